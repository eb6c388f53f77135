import { z } from 'zod';
import { HEX_32, HEX_64, isWeakPublicKey } from './approval-signature';

export const publicKeySchema = z
  .string({ error: 'a public key is 64 hex characters (an Ed25519 key, as `keywarden keygen` writes it)' })
  .trim()
  .toLowerCase()
  .regex(HEX_32, 'a public key is 64 hex characters (an Ed25519 key, as `keywarden keygen` writes it)')
  .refine(
    (key) => !isWeakPublicKey(key),
    'this is not a usable Ed25519 public key: make one with `keywarden keygen`',
  );

export const signatureSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(HEX_64, 'a signature is 128 hex characters (made by `keywarden approve --key`)');
