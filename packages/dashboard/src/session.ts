import type { HmacSha256, ServiceConnection } from '@device-jobs/client';

type Subtle = typeof crypto.subtle;
/** Web Crypto's CryptoKey (named through `crypto.subtle` so that Node's types and the DOM's both fit). */
export type SigningKey = Awaited<ReturnType<Subtle['importKey']>>;

/**
 * What the dashboard keeps of a sign-in: the host and policy names, and the policy key as a non-extractable Web
 * Crypto HMAC key (it can sign, but no script can read it back).
 */
export interface SigningIdentity {
  hostName: string;
  keyName: string;
  key: SigningKey;
  /** The client's HMAC primitive over this key (the base64 key it is handed is ignored: there is none). */
  hmac: HmacSha256;
}

function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function identityOf(hostName: string, keyName: string, key: SigningKey): SigningIdentity {
  const hmac: HmacSha256 = async (_unused, text) => {
    const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
    let binary = '';
    for (const byte of signature) binary += String.fromCharCode(byte);
    return btoa(binary);
  };
  return { hostName, keyName, key, hmac };
}

/** Imports the connection's key as a non-extractable HMAC-SHA256 signing key; the raw key goes no further. */
export async function signingIdentity(connection: ServiceConnection): Promise<SigningIdentity> {
  const key = await crypto.subtle.importKey(
    'raw',
    base64ToBytes(connection.key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return identityOf(connection.hostName, connection.keyName, key);
}

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
  return identityOf(pointer.hostName, pointer.keyName, record.key);
}

/** Forgets this tab's identity: its key and the pointer. */
export async function clearSession(): Promise<void> {
  const pointer = readPointer();
  sessionStorage.removeItem(SESSION_KEY);
  if (pointer) await withStore('readwrite', (store) => done(store.delete(pointer.id)).then(() => undefined));
}
