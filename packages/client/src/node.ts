import { createHmac } from 'node:crypto';
import type { HmacSha256 } from './sas';

/** HMAC-SHA256 with `node:crypto` (Node only: this entry point is never bundled for the browser). */
export const nodeCryptoHmac: HmacSha256 = (base64Key, text) =>
  Promise.resolve(createHmac('sha256', Buffer.from(base64Key, 'base64')).update(text).digest('base64'));
