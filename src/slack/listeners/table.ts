import type {
  AnyMiddlewareArgs,
  App,
  Middleware,
  SlackAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewAction,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';
import type { HandledPayloads, PayloadKind } from '../receiver-guards.js';

type CommandListener = Middleware<SlackCommandMiddlewareArgs>;
type ActionListener<A extends SlackAction> = Middleware<SlackActionMiddlewareArgs<A>>;
type ViewListener<V extends SlackViewAction> = Middleware<SlackViewMiddlewareArgs<V>>;

/**
 * The listeners by id, looked up by one global middleware installed after the app's own. Bolt runs
 * every registered listener's matching chain for every request, before the one that matches acks:
 * a command, an action or a view submission found here goes straight to its listener instead, and
 * only what is not here (events, workflow steps) goes on to Bolt's chains.
 */
export class ListenerTable implements HandledPayloads {
  readonly #commands = new Map<string, CommandListener>();
  readonly #actions = new Map<string, ActionListener<SlackAction>>();
  readonly #views = new Map<string, ViewListener<SlackViewAction>>();

  constructor(private readonly app: App) {
    this.event = app.event.bind(app);
    this.function = app.function.bind(app);
  }

  command(name: string, listener: CommandListener): void {
    add(this.#commands, name, listener, 'command');
  }

  action<A extends SlackAction = SlackAction>(actionId: string, listener: ActionListener<A>): void {
    add(this.#actions, actionId, listener as unknown as ActionListener<SlackAction>, 'action');
  }

  view<V extends SlackViewAction = SlackViewAction>(callbackId: string, listener: ViewListener<V>): void {
    add(this.#views, callbackId, listener as unknown as ViewListener<SlackViewAction>, 'view');
  }

  /** Events and workflow steps go to Bolt as they are: Bolt's function helpers need its own chain. */
  readonly event: App['event'];
  readonly function: App['function'];

  /** Whether a listener is registered here for a command name, an action_id or a view's callback_id. */
  handles(kind: PayloadKind, id: string): boolean {
    const listeners = kind === 'command' ? this.#commands : kind === 'action' ? this.#actions : this.#views;
    return listeners.has(id);
  }

  /** After every register(): the one middleware that finds a request's listener here. */
  install(): void {
    this.app.use(async (args) => {
      const listener = this.#listenerOf(args);
      // Bolt's listeners get the same arguments, with a `next` that does nothing.
      if (listener) await listener({ ...args, next: async () => undefined } as never);
      else await args.next();
    });
  }

  /** As Bolt matches them: a command by its name, an action by its action_id, a submission by its callback_id. */
  #listenerOf(args: AnyMiddlewareArgs): Middleware<never> | undefined {
    if ('command' in args && args.command) return this.#commands.get(args.command.command);
    if ('action' in args && args.action) {
      const id = 'action_id' in args.action ? args.action.action_id : undefined;
      return typeof id === 'string' ? this.#actions.get(id) : undefined;
    }
    if ('view' in args && args.body.type === 'view_submission') return this.#views.get(args.view.callback_id);
    return undefined;
  }
}

function add<L>(listeners: Map<string, L>, id: string, listener: L, kind: string): void {
  if (listeners.has(id)) throw new Error(`two listeners for the ${kind} ${id}`);
  listeners.set(id, listener);
}
