/** Renders Block Kit as plain text, roughly as a person would read it in Slack. */

type Node = Record<string, unknown>;

const textOf = (value: unknown): string =>
  value && typeof value === 'object' && 'text' in value ? String((value as Node).text) : '';

function readable(text: string): string {
  return text
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<#([A-Z0-9]+)>/g, '#$1')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function element(node: Node): string {
  switch (node.type) {
    case 'button':
      return `[${textOf(node.text)}]${node.confirm ? ' (asks to confirm)' : ''}`;
    case 'image':
      return `🖼 ${String(node.alt_text)} <${String(node.image_url)}>`;
    case 'mrkdwn':
    case 'plain_text':
      return readable(String(node.text));
    default:
      return `(${String(node.type)})`;
  }
}

function block(node: Node): string[] {
  switch (node.type) {
    case 'section': {
      const lines = readable(textOf(node.text)).split('\n');
      if (node.accessory) lines.push(`  ${element(node.accessory as Node)}`);
      return lines;
    }
    case 'context':
      return [`  ${(node.elements as Node[]).map(element).join(' ')}`];
    case 'actions':
      return [(node.elements as Node[]).map(element).join('  ')];
    case 'input': {
      const input = node.element as Node;
      const value = input.initial_value ? String(input.initial_value) : '';
      const optional = node.optional ? ' (optional)' : '';
      return [`${textOf(node.label)}${optional}: [${value.padEnd(24, '_')}]`];
    }
    default:
      return [`(${String(node.type)})`];
  }
}

export function renderBlocks(blocks: unknown, indent = '    '): string {
  return (blocks as Node[])
    .flatMap(block)
    .map((line) => `${indent}${line}`)
    .join('\n');
}

export function renderModal(view: unknown): string {
  const modal = view as Node;
  const buttons = [modal.close, modal.submit].filter(Boolean).map((b) => `[${textOf(b)}]`);
  return [
    `    ┌ modal: ${textOf(modal.title)}`,
    renderBlocks(modal.blocks, '    │ '),
    `    └ ${buttons.join(' ')}`,
  ].join('\n');
}
