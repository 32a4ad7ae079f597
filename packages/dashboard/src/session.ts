import type { SigningIdentity, SigningKey } from './connection.js';

/** sessionStorage: which signing key this tab uses, and for which host and policy (no secret). */
const SESSION_KEY = 'deviceJobs.session';
/** IndexedDB keeps CryptoKey objects as they are: still non-extractable when read back. */
const DATABASE = 'device-jobs';
const STORE = 'signing-keys';
/** Keys of tabs closed without signing out are deleted by a later sign-in or load after this long. */
const STALE_AFTER_MS = 12 * 60 * 60 * 1000;

interface SessionPointer {
  id: string;
  hostName: string;
  keyName: string;
}

interface KeyRecord {
  id: string;
  key: SigningKey;
  savedAt: number;
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed.'));
  });
}

function openDatabase(): Promise<IDBDatabase> {
  const opening = indexedDB.open(DATABASE, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: 'id' });
  return done(opening);
}

async function withStore<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => Promise<T>,
): Promise<T> {
  const database = await openDatabase();
  try {
    return await work(database.transaction(STORE, mode).objectStore(STORE));
  } finally {
    database.close();
  }
}

function readPointer(): SessionPointer | undefined {
  try {
    const pointer = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as SessionPointer | null;
    return pointer && typeof pointer.id === 'string' ? pointer : undefined;
  } catch {
    return undefined;
  }
}

async function deleteStale(store: IDBObjectStore, keep: string | undefined): Promise<void> {
  const records = (await done(store.getAll())) as KeyRecord[];
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const record of records) {
    if (record.id !== keep && record.savedAt < cutoff) await done(store.delete(record.id));
  }
}

/** Keeps the signed-in identity for this tab: the key in IndexedDB, the pointer to it in sessionStorage. */
export async function saveSession(identity: SigningIdentity): Promise<void> {
  const id = crypto.randomUUID();
  await withStore('readwrite', async (store) => {
    await deleteStale(store, id);
    await done(store.put({ id, key: identity.key, savedAt: Date.now() } satisfies KeyRecord));
  });
  sessionStorage.setItem(
    SESSION_KEY,
    JSON.stringify({ id, hostName: identity.hostName, keyName: identity.keyName } satisfies SessionPointer),
  );
}

/** This tab's identity, if it signed in and the key is still there. */
export async function loadSession(): Promise<SigningIdentity | undefined> {
  const pointer = readPointer();
  const record = await withStore('readwrite', async (store) => {
    await deleteStale(store, pointer?.id);
    return pointer ? ((await done(store.get(pointer.id))) as KeyRecord | undefined) : undefined;
  });
  if (!pointer || !record) {
    sessionStorage.removeItem(SESSION_KEY);
    return undefined;
  }
  return { hostName: pointer.hostName, keyName: pointer.keyName, key: record.key };
}

/** Forgets this tab's identity: its key and the pointer. */
export async function clearSession(): Promise<void> {
  const pointer = readPointer();
  sessionStorage.removeItem(SESSION_KEY);
  if (pointer) await withStore('readwrite', (store) => done(store.delete(pointer.id)).then(() => undefined));
}
