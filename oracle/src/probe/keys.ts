/**
 * The host key: from an environment variable or an encrypted v3 keystore file (decrypted by the shared
 * `../keys/keystore.ts`), never from the repository or the command line, where `ps` would show it.
 */
import { readFileSync } from "node:fs";
import { isHex, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { decryptKeystore } from "../keys/keystore.js";

export function keyFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): PrivateKeyAccount {
  const raw = env[name];
  if (!raw) throw new Error(`$${name} is empty: export the fleet's host private key there (0x + 64 hex digits), or use --keystore FILE`);
  const key = (raw.startsWith("0x") ? raw : `0x${raw}`) as Hex;
  if (!isHex(key) || key.length !== 66) throw new Error(`$${name} is not a 32-byte hex private key; export 0x followed by 64 hex digits`);
  return privateKeyToAccount(key);
}

export function keyFromKeystore(file: string, passwordEnv: string, env: NodeJS.ProcessEnv = process.env): PrivateKeyAccount {
  const password = env[passwordEnv];
  if (password === undefined) throw new Error(`$${passwordEnv} is unset: export the keystore's password there (--password-env names the variable)`);
  let json: string;
  try {
    json = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`--keystore ${file}: ${(error as Error).message}`);
  }
  return privateKeyToAccount(decryptKeystore(json, password));
}
