/**
 * Where node and host keys come from: an encrypted keystore file outside the repository, or the environment. Never
 * from a file in the repository, so a key cannot be committed by accident and then trusted.
 *
 * For a prefix such as `ORACLE_NODE`:
 * - `ORACLE_NODE_KEY`: the private key as 0x-hex (for containers whose secret store injects env variables);
 * - `ORACLE_NODE_KEYSTORE` (a v3 keystore path) with `ORACLE_NODE_KEYSTORE_PASSWORD`, or `..._PASSWORD_FILE`.
 */
import { readFileSync, realpathSync } from "node:fs";
import { dirname, relative, resolve, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { isHex, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { decryptKeystore, KeystoreError } from "./keystore.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

type Env = Record<string, string | undefined>;

function insideRepo(path: string): boolean {
  const real = (() => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  })();
  const rel = relative(realpathSync(REPO_ROOT), real);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Reads the key named by `prefix` from `env`; throws naming the variable and the fix when none is usable. */
export function loadPrivateKey(prefix: string, env: Env = process.env): Hex {
  const direct = env[`${prefix}_KEY`];
  if (direct !== undefined && direct !== "") {
    if (!isHex(direct) || direct.length !== 66) throw new KeystoreError(`${prefix}_KEY is not 32 bytes of 0x-hex; set it to the private key, or use ${prefix}_KEYSTORE`);
    return direct;
  }
  const path = env[`${prefix}_KEYSTORE`];
  if (!path) throw new KeystoreError(`no key for ${prefix}: set ${prefix}_KEYSTORE (a v3 keystore file) and ${prefix}_KEYSTORE_PASSWORD, or ${prefix}_KEY`);
  if (insideRepo(path)) throw new KeystoreError(`${prefix}_KEYSTORE ${path} is inside the repository; move the keystore outside it (keys never live in the repo)`);
  const passwordFile = env[`${prefix}_KEYSTORE_PASSWORD_FILE`];
  const password = passwordFile ? readFileSync(passwordFile, "utf8").replace(/\r?\n$/, "") : env[`${prefix}_KEYSTORE_PASSWORD`];
  if (password === undefined) throw new KeystoreError(`${prefix}_KEYSTORE_PASSWORD (or ${prefix}_KEYSTORE_PASSWORD_FILE) is not set; the keystore ${path} needs its password`);
  return decryptKeystore(readFileSync(path, "utf8"), password);
}

export function loadAccount(prefix: string, env: Env = process.env): PrivateKeyAccount {
  return privateKeyToAccount(loadPrivateKey(prefix, env));
}
