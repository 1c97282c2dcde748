/**
 * The host key: from an environment variable or an encrypted Web3 Secret Storage (v3) keystore file, never from the
 * repository or the command line (where `ps` would show it).
 */
import { createDecipheriv, createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { bytesToHex, concatBytes, hexToBytes, isHex, keccak256, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

export function keyFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): PrivateKeyAccount {
  const raw = env[name];
  if (!raw) throw new Error(`$${name} is empty: export the fleet's host private key there (0x + 64 hex digits), or use --keystore FILE`);
  const key = (raw.startsWith("0x") ? raw : `0x${raw}`) as Hex;
  if (!isHex(key) || key.length !== 66) throw new Error(`$${name} is not a 32-byte hex private key; export 0x followed by 64 hex digits`);
  return privateKeyToAccount(key);
}

type Keystore = {
  version: number;
  crypto: {
    cipher: string;
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: "scrypt" | "pbkdf2";
    kdfparams: { dklen: number; salt: string; n?: number; r?: number; p?: number; c?: number; prf?: string };
    mac: string;
  };
};

function derive(password: string, crypto: Keystore["crypto"]): Buffer {
  const { kdf, kdfparams: p } = crypto;
  const salt = Buffer.from(p.salt, "hex");
  if (kdf === "scrypt" && p.n && p.r && p.p) {
    return scryptSync(password, salt, p.dklen, { N: p.n, r: p.r, p: p.p, maxmem: 256 * p.n * p.r + (1 << 20) });
  }
  if (kdf === "pbkdf2" && p.c && p.prf === "hmac-sha256") return pbkdf2Sync(password, salt, p.c, p.dklen, "sha256");
  throw new Error(`keystore kdf ${kdf} with parameters ${JSON.stringify(p)} is not supported; use scrypt or pbkdf2 (hmac-sha256)`);
}

export function decryptKeystore(json: string, password: string): Hex {
  const { version, crypto } = JSON.parse(json) as Keystore;
  if (version !== 3 || crypto?.cipher !== "aes-128-ctr") {
    throw new Error(`keystore version ${version} / cipher ${crypto?.cipher} is not supported; use a v3 keystore with aes-128-ctr`);
  }
  const key = derive(password, crypto);
  const ciphertext = Buffer.from(crypto.ciphertext, "hex");
  const mac = keccak256(concatBytes([key.subarray(16, 32), ciphertext])).slice(2);
  if (mac !== crypto.mac.toLowerCase()) throw new Error("keystore MAC mismatch: the password is wrong or the file is corrupted");
  const decipher = createDecipheriv("aes-128-ctr", key.subarray(0, 16), Buffer.from(crypto.cipherparams.iv, "hex"));
  return bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
}

/** A v3 keystore (scrypt n = 2^14, lighter than geth's 2^18 so a demo starts fast). */
export function encryptKeystore(privateKey: Hex, password: string, n = 1 << 14): string {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: n, r: 8, p: 1, maxmem: 256 * n * 8 + (1 << 20) });
  const cipher = createCipheriv("aes-128-ctr", key.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]);
  const mac = keccak256(concatBytes([key.subarray(16, 32), ciphertext])).slice(2);
  const address = privateKeyToAccount(privateKey).address.slice(2).toLowerCase();
  return JSON.stringify({
    version: 3,
    address,
    crypto: {
      cipher: "aes-128-ctr",
      ciphertext: ciphertext.toString("hex"),
      cipherparams: { iv: iv.toString("hex") },
      kdf: "scrypt",
      kdfparams: { dklen: 32, salt: salt.toString("hex"), n, r: 8, p: 1 },
      mac,
    },
  });
}

export function keyFromKeystore(file: string, passwordEnv: string, env: NodeJS.ProcessEnv = process.env): PrivateKeyAccount {
  const password = env[passwordEnv];
  if (password === undefined) throw new Error(`$${passwordEnv} is unset: export the keystore's password there (--password-env names the variable)`);
  return privateKeyToAccount(decryptKeystore(readFileSync(file, "utf8"), password));
}
