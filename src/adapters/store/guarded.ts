import { DuplicateRequestError, type Store, StoreUnavailableError, TooManyWaitingError } from './types.js';

// The store's own answers (a duplicate submission, a full queue) are not failures of the database.
const isStoreRule = (error: unknown) =>
  error instanceof DuplicateRequestError || error instanceof TooManyWaitingError;

/**
 * The store with every failed operation typed as StoreUnavailableError (and reported, for the
 * metrics), whatever the implementation: one place decides what "the database is down" looks like.
 */
export function guardedStore(store: Store, onError: (operation: string) => void = () => undefined): Store {
  const guard =
    (method: (...args: unknown[]) => unknown, operation: string) =>
    (...args: unknown[]) => {
      // The store's own `this` throughout: its private fields are not the proxy's.
      const result = method.apply(store, args);
      if (!(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        if (isStoreRule(error) || error instanceof StoreUnavailableError) throw error;
        onError(operation);
        throw new StoreUnavailableError(operation, error);
      });
    };
  // Each method is wrapped once, not on every call: several store calls serve each request.
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      let method = wrapped.get(property);
      if (method === undefined) {
        method = property === 'close' ? value.bind(target) : guard(value, String(property));
        wrapped.set(property, method);
      }
      return method;
    },
  });
}
