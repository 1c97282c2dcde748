/**
 * Web3 Secret Storage v3 (the keystore JSON of geth, Clef, MetaMask exports and Hardhat's own accounts): the key is
 * encrypted with AES-128-CTR under the first half of a password-derived key, and keccak256(second half ‖ ciphertext)
 * is the MAC that tells a wrong password or a tampered file apart from a good one before anything is decrypted.
 *
 * Written with node:crypto and viem's keccak256 so that no keystore library (and its dependency tree) sits between a
 * node's password and its signing key.
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, randomUUID, scryptSync, timingSafeEqual } from "node:crypto";
import { bytesToHex, hexToBytes, isHex, keccak256, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";

type ScryptParams = { dklen: number; n: number; r: number; p: number; salt: string };
type Pbkdf2Params = { dklen: number; c: number; prf: "hmac-sha256"; salt: string };

export type KeystoreV3 = {
  version: 3;
  id: string;
  address?: string; // lowercase hex without 0x, as geth writes it; informational only
  crypto: {
    cipher: "aes-128-ctr";
    cipherparams: { iv: string };
    ciphertext: string;
    mac: string;
  } & ({ kdf: "scrypt"; kdfparams: ScryptParams } | { kdf: "pbkdf2"; kdfparams: Pbkdf2Params });
};

/** geth's "standard" scrypt cost (about 0.5–1 s and 256 MiB): the default for keys written to disk. */
export const STANDARD_SCRYPT_N = 2 ** 18;
/** geth's "light" cost, for keystores made and read within one test run. */
export const LIGHT_SCRYPT_N = 2 ** 12;

const unhex = (value: string) => hexToBytes(value.startsWith("0x") ? (value as Hex) : `0x${value}`);
const hex = (bytes: Uint8Array) => bytesToHex(bytes).slice(2);

export class KeystoreError extends Error {
  override name = "KeystoreError";
}

function deriveKey(password: string, crypto: KeystoreV3["crypto"]): Buffer {
  const pw = Buffer.from(password.normalize("NFKC"), "utf8");
  if (crypto.kdf === "scrypt") {
    const { n, r, p, dklen, salt } = crypto.kdfparams;
    // RFC 7914 requires N < 2^(16·r); OpenSSL enforces it (and reports "memory limit exceeded"). The spec's own
    // r = 1, N = 2^18 example breaks it; geth's real files (r = 8) do not.
    if (n >= 2 ** (16 * r)) {
      throw new KeystoreError(`keystore crypto.kdfparams n ${n} is not below 2^(16·r) = 2^${16 * r} (RFC 7914); re-encrypt the key with r = 8`);
    }
    // node refuses scrypt above 32 MiB unless told; 128·N·r·p bytes is what the parameters need, plus headroom.
    return scryptSync(pw, unhex(salt), dklen, { N: n, r, p, maxmem: 256 * n * r * p + 1024 * 1024 });
  }
  if (crypto.kdf === "pbkdf2") {
    const { c, dklen, prf, salt } = crypto.kdfparams;
    if (prf !== "hmac-sha256") throw new KeystoreError(`keystore crypto.kdfparams.prf ${String(prf)} is not supported; re-export the key with hmac-sha256 or scrypt`);
    return pbkdf2Sync(pw, unhex(salt), c, dklen, "sha256");
  }
  throw new KeystoreError(`keystore crypto.kdf ${String((crypto as { kdf: unknown }).kdf)} is not supported; use scrypt or pbkdf2`);
}

function mac(derived: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return hexToBytes(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext])));
}

/** Encrypts a private key under `password` with scrypt (cost `n`, default geth's standard). */
export function encryptKeystore(privateKey: Hex, password: string, opts: { n?: number } = {}): KeystoreV3 {
  if (!isHex(privateKey) || privateKey.length !== 66) throw new KeystoreError("privateKey must be 32 bytes of 0x-hex");
  const crypto = {
    cipher: "aes-128-ctr" as const,
    cipherparams: { iv: hex(randomBytes(16)) },
    ciphertext: "",
    mac: "",
    kdf: "scrypt" as const,
    kdfparams: { dklen: 32, n: opts.n ?? STANDARD_SCRYPT_N, r: 8, p: 1, salt: hex(randomBytes(32)) },
  };
  const derived = deriveKey(password, crypto);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), unhex(crypto.cipherparams.iv));
  const ciphertext = Buffer.concat([cipher.update(unhex(privateKey)), cipher.final()]);
  crypto.ciphertext = hex(ciphertext);
  crypto.mac = hex(mac(derived, ciphertext));
  return { version: 3, id: randomUUID(), address: privateKeyToAddress(privateKey).slice(2).toLowerCase(), crypto };
}

/** Decrypts a v3 keystore; throws `KeystoreError` on a wrong password or a file whose MAC does not match. */
export function decryptKeystore(keystore: KeystoreV3 | string, password: string): Hex {
  const parsed = (typeof keystore === "string" ? JSON.parse(keystore) : keystore) as KeystoreV3;
  if (parsed?.version !== 3) throw new KeystoreError(`keystore version ${String(parsed?.version)} is not 3; export a Web3 Secret Storage v3 file`);
  const crypto = parsed.crypto ?? (parsed as unknown as { Crypto: KeystoreV3["crypto"] }).Crypto;
  if (crypto?.cipher !== "aes-128-ctr") throw new KeystoreError(`keystore crypto.cipher ${String(crypto?.cipher)} is not supported; use aes-128-ctr`);
  const derived = deriveKey(password, crypto);
  const ciphertext = unhex(crypto.ciphertext);
  const expected = unhex(crypto.mac);
  const actual = mac(derived, ciphertext);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new KeystoreError("keystore MAC does not match: the password is wrong or the file was altered; check the password variable");
  }
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), unhex(crypto.cipherparams.iv));
  return bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
}
