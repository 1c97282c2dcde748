import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "mocha";
import { hashTypedData, hexToBigInt, keccak256, numberToHex, parseEther, toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { decryptKeystore, encryptKeystore, KeystoreError, LIGHT_SCRYPT_N, type KeystoreV3 } from "../src/keys/keystore.js";
import { loadPrivateKey } from "../src/keys/load.js";
import { aggregate, DEFAULT_TOLERANCE, judgeRound, lowerMedian, type Observation } from "../src/node/aggregate.js";
import { gpuLeaf, merkleProof, merkleRoot, verifyMerkleProof } from "../src/node/merkle.js";
import { createSignatureCheck } from "../src/node/signatures.js";
import { gpuReportTypes, hashGpuReport, oracleDomain, type GpuReport } from "../src/eip712.js";
import { benchmarkVerify } from "../src/node/bench.js";
import { NODE_ACCOUNTS } from "./nodeFixture.js";

// Web3 Secret Storage's published test vectors (password "testpassword").
const VECTOR_KEY = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
const SCRYPT_VECTOR = {
  version: 3,
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: { dklen: 32, n: 262144, r: 1, p: 8, salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19" },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
} as KeystoreV3;
const PBKDF2_VECTOR = {
  version: 3,
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
    ciphertext: "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
    kdf: "pbkdf2",
    kdfparams: { c: 262144, dklen: 32, prf: "hmac-sha256", salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd" },
    mac: "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
  },
} as KeystoreV3;

describe("keystore (Web3 Secret Storage v3)", () => {
  it("decrypts the spec's pbkdf2 test vector", () => {
    assert.equal(decryptKeystore(JSON.stringify(PBKDF2_VECTOR), "testpassword"), VECTOR_KEY);
    assert.throws(() => decryptKeystore(PBKDF2_VECTOR, "testpassword!"), /MAC does not match/);
  });

  it("names the RFC 7914 limit the spec's scrypt vector (r = 1, N = 2^18) breaks, instead of OpenSSL's memory error", () => {
    assert.throws(() => decryptKeystore(SCRYPT_VECTOR, "testpassword"), /n 262144 is not below 2\^\(16·r\) = 2\^16 \(RFC 7914\); re-encrypt the key with r = 8/);
  });

  it("round-trips a key it encrypted, and records its address", () => {
    const key = keccak256(toHex("keystore round trip"));
    const store = encryptKeystore(key, "correct horse", { n: LIGHT_SCRYPT_N });
    assert.equal(decryptKeystore(JSON.stringify(store), "correct horse"), key);
    assert.equal(`0x${store.address}`, privateKeyToAccount(key).address.toLowerCase());
    assert.notEqual(store.crypto.ciphertext, key.slice(2));
  });

  it("refuses a wrong password and a tampered ciphertext or MAC, before decrypting", () => {
    const store = encryptKeystore(keccak256(toHex("k")), "pw", { n: LIGHT_SCRYPT_N });
    assert.throws(() => decryptKeystore(store, "pW"), /MAC does not match/);
    const flip = (hex: string) => (hex[0] === "0" ? "1" : "0") + hex.slice(1);
    assert.throws(() => decryptKeystore({ ...store, crypto: { ...store.crypto, ciphertext: flip(store.crypto.ciphertext) } }, "pw"), KeystoreError);
    assert.throws(() => decryptKeystore({ ...store, crypto: { ...store.crypto, mac: flip(store.crypto.mac) } }, "pw"), KeystoreError);
  });

  it("loads a key from the environment or from a keystore outside the repository, never from inside it", () => {
    const key = keccak256(toHex("env key"));
    assert.equal(loadPrivateKey("NODE", { NODE_KEY: key }), key);
    assert.throws(() => loadPrivateKey("NODE", { NODE_KEY: "0x1234" }), /NODE_KEY is not 32 bytes/);
    assert.throws(() => loadPrivateKey("NODE", {}), /set NODE_KEYSTORE .* or NODE_KEY/);
    const dir = mkdtempSync(join(tmpdir(), "gpu-credit-keys-"));
    const path = join(dir, "node.json");
    writeFileSync(path, JSON.stringify(encryptKeystore(key, "pw", { n: LIGHT_SCRYPT_N })));
    assert.equal(loadPrivateKey("NODE", { NODE_KEYSTORE: path, NODE_KEYSTORE_PASSWORD: "pw" }), key);
    assert.throws(() => loadPrivateKey("NODE", { NODE_KEYSTORE: path }), /NODE_KEYSTORE_PASSWORD .* is not set/);
    assert.throws(() => loadPrivateKey("NODE", { NODE_KEYSTORE: new URL("../package.json", import.meta.url).pathname, NODE_KEYSTORE_PASSWORD: "pw" }), /inside the repository/);
  });
});

describe("fleet GPU tree (sorted-pair keccak, as OpenZeppelin MerkleProof)", () => {
  it("proves every leaf of trees of 1 to 9 GPUs and rejects a GPU outside the tree", () => {
    for (let size = 1; size <= 9; size++) {
      const leaves = Array.from({ length: size }, (_, i) => gpuLeaf(`GPU-${i}`));
      const root = merkleRoot(leaves);
      for (const leaf of leaves) assert.ok(verifyMerkleProof(merkleProof(leaves, leaf), root, leaf), `size ${size}`);
      assert.equal(verifyMerkleProof(merkleProof(leaves, leaves[0]!), root, gpuLeaf("GPU-outsider")), false);
    }
  });

  it("hashes a pair in sorted order, so a proof is just the sibling list", () => {
    const [a, b] = [gpuLeaf("GPU-a"), gpuLeaf("GPU-b")];
    const lo = hexToBigInt(a) < hexToBigInt(b) ? a : b;
    const hi = lo === a ? b : a;
    assert.equal(merkleRoot([a, b]), keccak256(`${lo}${hi.slice(2)}` as Hex));
    assert.equal(merkleRoot([b, a]), merkleRoot([a, b]));
  });
});

describe("report digest", () => {
  it("equals viem's hashTypedData for every report and domain, with the domain separator cached", () => {
    const domains = [oracleDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3"), oracleDomain(1, "0x00000000000000000000000000000000000000aa")];
    for (let i = 0; i < 40; i++) {
      const report: GpuReport = {
        fleetId: BigInt(i) * 10n ** 30n + 1n,
        gpuUuidHash: keccak256(toHex(`gpu ${i}`)),
        nonce: keccak256(toHex(`nonce ${i}`)),
        observedAt: 1_800_000_000 + i * 977,
        tflopsMilli: 742_000 + i,
        bandwidthGBps: 3_000 + i,
        utilizationBps: (i * 613) % 10_001,
        powerMilliwatts: 600_000 - i,
        healthFlags: i % 9,
        sampleDigest: keccak256(toHex(`samples ${i}`)),
        replay: i % 2 === 1,
      };
      for (const domain of domains) {
        assert.equal(hashGpuReport(domain, report), hashTypedData({ domain, types: gpuReportTypes, primaryType: "GpuReport", message: report }), `report ${i}, chain ${domain.chainId}`);
      }
    }
  });
});

describe("signature check with cached keys", () => {
  it("agrees with recovery over many keys and messages once the keys are cached", async () => {
    const check = createSignatureCheck();
    const keys = Array.from({ length: 6 }, (_, i) => privateKeyToAccount(keccak256(toHex(`signature check key ${i}`))));
    for (let i = 0; i < 120; i++) {
      const [signer, other] = [keys[i % keys.length]!, keys[(i + 1) % keys.length]!];
      const hash = keccak256(toHex(`message ${i}`));
      const signature = await signer.sign({ hash });
      assert.equal(await check(hash, signature, signer.address), true, `message ${i}, its signer`);
      assert.equal(await check(hash, signature, other.address), false, `message ${i}, another key`);
      assert.equal(await check(keccak256(toHex(`other ${i}`)), signature, signer.address), false, `message ${i}, another hash`);
    }
  });

  it("agrees with recovery on valid, foreign and high-s signatures, before and after the key is cached", async () => {
    const check = createSignatureCheck();
    const [signer, other] = [NODE_ACCOUNTS[0]!, NODE_ACCOUNTS[1]!];
    const hash = keccak256(toHex("message"));
    const good = await signer.sign({ hash });
    const foreign = await other.sign({ hash });
    // The same signature with s → n − s: valid for ecrecover, refused by OpenZeppelin's ECDSA and by us.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = hexToBigInt(`0x${good.slice(66, 130)}`);
    const highS = `${good.slice(0, 66)}${numberToHex(n - s, { size: 32 }).slice(2)}${good.slice(130)}` as Hex;
    for (const round of ["recovery", "cached point"]) {
      assert.equal(await check(hash, good, signer.address), true, round);
      assert.equal(await check(hash, foreign, signer.address), false, round);
      assert.equal(await check(keccak256(toHex("other message")), good, signer.address), false, round);
      assert.equal(await check(hash, highS, signer.address), false, round);
    }
  });

  it("refuses malformed signatures without throwing, before and after the key is cached", async () => {
    const check = createSignatureCheck();
    const signer = NODE_ACCOUNTS[2]!;
    const hash = keccak256(toHex("message"));
    const good = await signer.sign({ hash });
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const withR = (r: bigint) => `0x${numberToHex(r, { size: 32 }).slice(2)}${good.slice(66)}` as Hex;
    const malformed: Hex[] = [withR(0n), withR(n), withR(2n ** 256n - 1n), `${good.slice(0, 130)}1d` as Hex, good.slice(0, 130) as Hex, `${good}00` as Hex, "0x"];
    for (const round of ["recovery", "cached key"]) {
      for (const signature of malformed) assert.equal(await check(hash, signature, signer.address), false, `${round}: ${signature}`);
      assert.equal(await check(hash, good, signer.address), true, round);
    }
  });
});

const obs = (node: number, value: bigint, overrides: Partial<Observation["fleets"][number]> = {}): Observation => ({
  node: NODE_ACCOUNTS[node]!.address,
  observedAt: 1_000,
  fleets: [{ fleetId: 7n, value, throughputBps: 9_900, utilizationBps: 8_000, healthFlags: 0, freshGpus: 8, ...overrides }],
  indices: [{ classId: 1, valuePerGpu: value / 8n }],
});

describe("aggregation: lower median, and signing only within tolerance", () => {
  it("takes the lower of the two middle values of an even count", () => {
    assert.equal(lowerMedian([4n, 1n, 3n, 2n]), 2n);
    assert.equal(lowerMedian([5, 1, 3]), 3);
  });

  it("one node at 10× or at 0.1× cannot move any field outside the honest range", () => {
    const honest = [obs(0, parseEther("160000")), obs(1, parseEther("161000")), obs(2, parseEther("159000"))];
    for (const liar of [obs(3, parseEther("1600000"), { throughputBps: 65_000, freshGpus: 80, healthFlags: 0xff }), obs(3, parseEther("16000"), { throughputBps: 1, utilizationBps: 0, freshGpus: 1 })]) {
      const { fleets, indices } = aggregate([...honest, liar], 3);
      const f = fleets[0]!;
      assert.ok(f.value >= parseEther("159000") && f.value <= parseEther("161000"), `value ${f.value}`);
      assert.equal(f.throughputBps, 9_900);
      assert.equal(f.freshGpus, 8);
      assert.equal(f.healthFlags, 0, "a single node cannot invent a fault");
      assert.ok(indices[0]!.valuePerGpu >= parseEther("159000") / 8n && indices[0]!.valuePerGpu <= parseEther("161000") / 8n);
    }
  });

  it("sets a health bit that half the observers see, and drops fleets fewer than a quorum observed", () => {
    const flagged = [obs(0, 100n, { healthFlags: 0b1000 }), obs(1, 100n, { healthFlags: 0b1000 }), obs(2, 100n), obs(3, 100n)];
    assert.equal(aggregate(flagged, 3).fleets[0]!.healthFlags, 0b1000);
    const { fleets, underObserved } = aggregate([obs(0, 100n), obs(1, 100n)], 3);
    assert.deepEqual([fleets, underObserved.fleetIds], [[], [7n]]);
  });

  it("a node signs a round within tolerance of its own observation and refuses one outside it or with a fleet it never saw", () => {
    const own = obs(0, parseEther("160000"));
    const round = (value: bigint, extra: Partial<Observation["fleets"][number]> = {}) => ({ fleets: [{ ...own.fleets[0]!, value, ...extra }], indices: own.indices });
    assert.equal(judgeRound(round(parseEther("163000")), own, DEFAULT_TOLERANCE), null);
    assert.equal(judgeRound(round(parseEther("1600000")), own, DEFAULT_TOLERANCE)?.reason, "value-out-of-tolerance");
    assert.equal(judgeRound(round(parseEther("16000")), own, DEFAULT_TOLERANCE)?.reason, "value-out-of-tolerance");
    assert.equal(judgeRound(round(parseEther("160000"), { utilizationBps: 10_000 }), own, DEFAULT_TOLERANCE)?.reason, "parts-out-of-tolerance");
    assert.equal(judgeRound(round(parseEther("160000"), { fleetId: 8n }), own, DEFAULT_TOLERANCE)?.reason, "unobserved-fleet");
    assert.equal(judgeRound({ fleets: [], indices: [] }, own, DEFAULT_TOLERANCE), null, "leaving entries out is allowed");
  });
});

describe("verify benchmark", () => {
  it("verifies real-size (8192³) reports end to end and reports its timing", async () => {
    const result = await benchmarkVerify({ reports: 5 });
    assert.equal(result.size, 8192);
    assert.ok(result.medianMs > 0 && result.medianMs <= result.p90Ms);
  });
});
