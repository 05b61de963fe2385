/**
 * Where the app keeps its state on the device: one IndexedDB object store of structured-clone
 * values (so a non-extractable CryptoKey can be stored as is). An in-memory store stands in for
 * tests and for browsers without IndexedDB (private modes).
 */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

export function memoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => map.get(key) as T | undefined,
    set: async (key, value) => {
      map.set(key, value);
    },
    delete: async (key) => {
      map.delete(key);
    },
  };
}

const STORE = 'kv';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export function indexedDbStore(name = 'smis-citizen-app'): KeyValueStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => {
    if (!db) {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      db = request(r);
    }
    return db;
  };
  const tx = async (mode: IDBTransactionMode): Promise<IDBObjectStore> =>
    (await open()).transaction(STORE, mode).objectStore(STORE);
  return {
    get: async <T>(key: string) => (await request((await tx('readonly')).get(key))) as T | undefined,
    set: async (key, value) => {
      await request((await tx('readwrite')).put(value, key));
    },
    delete: async (key) => {
      await request((await tx('readwrite')).delete(key));
    },
  };
}

export function defaultStore(): KeyValueStore {
  return typeof indexedDB === 'undefined' ? memoryStore() : indexedDbStore();
}
