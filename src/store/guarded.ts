import { DuplicateRequestError, type Store, StoreUnavailableError, TooManyWaitingError } from './types.js';

// The store's own answers (a duplicate submission, a full queue) are not failures of the database.
const isStoreRule = (error: unknown) =>
  error instanceof DuplicateRequestError || error instanceof TooManyWaitingError;

/**
 * The store with every failed operation typed as StoreUnavailableError (and reported, for the
 * metrics), whatever the implementation: one place decides what "the database is down" looks like.
 */
export function guardedStore(store: Store, onError: (operation: string) => void = () => undefined): Store {
  return new Proxy(store, {
    get(target, property) {
      // The store's own `this` throughout: its private fields are not the proxy's.
      const value = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (property === 'close') return value.bind(target);
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            if (isStoreRule(error) || error instanceof StoreUnavailableError) throw error;
            onError(String(property));
            throw new StoreUnavailableError(String(property), error);
          });
        }
        return result;
      };
    },
  });
}
