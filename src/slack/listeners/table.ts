import type {
  App,
  Middleware,
  SlackAction,
  SlackActionMiddlewareArgs,
  SlackViewAction,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';

type ActionListener<A extends SlackAction> = Middleware<SlackActionMiddlewareArgs<A>>;
type ViewListener<V extends SlackViewAction> = Middleware<SlackViewMiddlewareArgs<V>>;

/**
 * The listeners by id, installed in Bolt as one action listener and one view listener that look the
 * id up. Bolt runs every registered listener's matching chain for every request; with one entry per
 * kind, a request pays for four chains instead of twenty-five.
 */
export class ListenerTable {
  readonly #actions = new Map<string, ActionListener<SlackAction>>();
  readonly #views = new Map<string, ViewListener<SlackViewAction>>();

  constructor(private readonly app: App) {
    this.command = app.command.bind(app);
    this.event = app.event.bind(app);
    this.function = app.function.bind(app);
  }

  action<A extends SlackAction = SlackAction>(actionId: string, listener: ActionListener<A>): void {
    if (this.#actions.has(actionId)) throw new Error(`two listeners for the action ${actionId}`);
    this.#actions.set(actionId, listener as unknown as ActionListener<SlackAction>);
  }

  view<V extends SlackViewAction = SlackViewAction>(callbackId: string, listener: ViewListener<V>): void {
    if (this.#views.has(callbackId)) throw new Error(`two listeners for the view ${callbackId}`);
    this.#views.set(callbackId, listener as unknown as ViewListener<SlackViewAction>);
  }

  /** Commands, events and workflow steps go to Bolt as they are: there is one of each. */
  readonly command: App['command'];
  readonly event: App['event'];
  readonly function: App['function'];

  /** After every register(): one Bolt listener for all actions, one for all view submissions. */
  install(): void {
    const actions = this.#actions;
    const views = this.#views;
    this.app.action(/./, async (args) => {
      const id = 'action_id' in args.action ? args.action.action_id : undefined;
      const listener = typeof id === 'string' ? actions.get(id) : undefined;
      if (listener) await listener(args);
    });
    this.app.view(/./, async (args) => {
      const listener = views.get(args.view.callback_id);
      if (listener) await listener(args);
    });
  }
}
