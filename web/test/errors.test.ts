import { strict as assert } from "node:assert";
import { BaseError, encodeErrorResult, stringToHex, type AbiParameter, type Hex } from "viem";
import { allErrorsAbi } from "../../abi";
import { SENTENCES, decodeRevert, explainError, findRevertData, sentenceFor } from "../lib/errors";

/** A plausible value for each ABI type, so every sentence template runs with real arguments. */
function sample(p: AbiParameter, i: number): unknown {
  if (p.type === "address") return `0x${(0xabc0 + i).toString(16).padStart(40, "0")}`;
  if (p.type === "bool") return true;
  if (p.type === "string") return "a name";
  if (p.type === "bytes32") return stringToHex("maxLtv", { size: 32 });
  if (p.type.startsWith("bytes")) return `0x${"ab".repeat(Number(p.type.slice(5)) || 4)}`;
  if (/^uint(8|16|32|40|48)$/.test(p.type)) return 7 + i;
  if (p.type.startsWith("uint") || p.type.startsWith("int")) return 10n ** 18n * BigInt(3 + i) + 123n;
  throw new Error(`no sample for ${p.type}: extend this test`);
}

describe("decoded errors", function () {
  it("has a sentence for every custom error in the compiled ABIs, and no sentence for an error that no longer exists", function () {
    const names = new Set(allErrorsAbi.map((e) => e.name));
    for (const name of names) assert.equal(typeof (SENTENCES as Record<string, unknown>)[name], "function", `${name} has no sentence in web/lib/errors.ts`);
    for (const name of Object.keys(SENTENCES)) assert.ok(names.has(name as never), `${name} has a sentence but no contract declares it`);
  });

  it("decodes each error from its revert data and fills its sentence with the arguments", function () {
    for (const item of allErrorsAbi) {
      const args = item.inputs.map((p, i) => sample(p as AbiParameter, i));
      const data = encodeErrorResult({ abi: [item], errorName: item.name, args } as never);
      const decoded = decodeRevert(data);
      assert.ok(decoded, `${item.name} did not decode`);
      assert.equal(decoded.errorName, item.name);
      const sentence = sentenceFor(decoded);
      assert.match(sentence, /^[A-Z0-9$"#].*[.!]$/s, `${item.name}: "${sentence}" is not a sentence`);
      assert.doesNotMatch(sentence, /\bundefined\b|\bNaN\b|\[object|0x[0-9a-fA-F]{40}/, `${item.name}: "${sentence}"`);
    }
  });

  it("finds the revert data wherever viem nests it and says what the engine refused, with the amounts", function () {
    const data = encodeErrorResult({ abi: allErrorsAbi, errorName: "ExceedsMaxLtv", args: [4n, 112_999n * 10n ** 18n, 112_000n * 10n ** 18n] });
    const nested = new BaseError("Execution reverted", { cause: Object.assign(new Error("inner"), { cause: { error: { data } } }) });
    assert.equal(findRevertData(nested), data);
    const explained = explainError(nested);
    assert.equal(explained.errorName, "ExceedsMaxLtv");
    assert.equal(
      explained.sentence,
      "This would raise vault #4's debt to $112,999.00, above the $112,000.00 its fleet can back at the maximum loan-to-value. Borrow at most the difference from your current debt.",
    );
  });

  it("uses the token the call moved for ERC-20 amounts", function () {
    const data = encodeErrorResult({ abi: allErrorsAbi, errorName: "ERC20InsufficientBalance", args: ["0x00000000000000000000000000000000000000a1", 5_000_000n, 7_500_000n] });
    assert.match(explainError({ data }, { token: "USDC" }).sentence, /holds 5\.00 USDC but this needs 7\.50 USDC/);
  });

  it("falls back to viem's short message when the data is not a known error", function () {
    const unknown: Hex = "0xdeadbeef00000000";
    assert.equal(decodeRevert(unknown), null);
    assert.equal(explainError(new BaseError("Something short")).sentence, "Something short");
  });
});
