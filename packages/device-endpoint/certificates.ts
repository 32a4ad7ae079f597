import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

/** The endpoint's TLS material: the local CA (trusted by clients) and the server certificate it signed. */
export interface EndpointCertificates {
  caPath: string;
  ca: string;
  cert: string;
  key: string;
}

const FILES = { ca: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** A server certificate this close to its end is issued anew at start. */
const RENEW_BEFORE_MS = 30 * DAY_MS;

function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  // Node generates the key natively (forge's pure-JS generation takes seconds); forge only builds certificates.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function certificate(
  subject: forge.pki.CertificateField[],
  publicKey: forge.pki.rsa.PublicKey,
  days: number,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: the high bit clear.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + days * DAY_MS);
  cert.setSubject(subject);
  cert.setExtensions(extensions);
  return cert;
}

function createCa(): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  const keys = rsaKeys();
  const subject = [{ name: 'commonName', value: 'device-jobs local device endpoint CA' }];
  const cert = certificate(subject, keys.publicKey, 3650, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.setIssuer(subject);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey };
}

function createServer(ca: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }): {
  cert: string;
  key: string;
} {
  const keys = rsaKeys();
  const cert = certificate([{ name: 'commonName', value: 'localhost' }], keys.publicKey, 825, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.sign(ca.key, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

function usable(dir: string): boolean {
  if (!Object.values(FILES).every((file) => fs.existsSync(path.join(dir, file)))) return false;
  const server = new X509Certificate(fs.readFileSync(path.join(dir, FILES.cert)));
  const ca = new X509Certificate(fs.readFileSync(path.join(dir, FILES.ca)));
  return server.verify(ca.publicKey) && Date.parse(server.validTo) - Date.now() > RENEW_BEFORE_MS;
}

/**
 * The certificates in `dir`: reused when present, valid and signed by the CA there; otherwise (first start, or
 * expiring) a new CA and server certificate for localhost / 127.0.0.1 / ::1 are created and written, the CA as
 * `ca.pem` (what clients trust: NODE_EXTRA_CA_CERTS or the device client's `ca` option).
 */
export function loadOrCreateCertificates(dir: string): EndpointCertificates {
  fs.mkdirSync(dir, { recursive: true });
  if (!usable(dir)) {
    const ca = createCa();
    const server = createServer(ca);
    const write = (file: string, text: string) =>
      fs.writeFileSync(path.join(dir, file), text, { mode: 0o600 });
    write(FILES.caKey, forge.pki.privateKeyToPem(ca.key));
    write(FILES.cert, server.cert);
    write(FILES.key, server.key);
    fs.writeFileSync(path.join(dir, FILES.ca), forge.pki.certificateToPem(ca.cert));
  }
  const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
  return {
    caPath: path.join(dir, FILES.ca),
    ca: read(FILES.ca),
    cert: read(FILES.cert),
    key: read(FILES.key),
  };
}
