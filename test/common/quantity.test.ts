import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { compareQuantities, isZeroQuantity, parseQuantity } from "../../components/common/quantity";

describe("Kubernetes quantities", () => {
    it("reads every suffix Kubernetes has: E alone is exa, E3 an exponent", () => {
        assert.deepEqual(["500m", "2", "4Gi", "1.5G", "2E", "1Ei", "2E3", "1e-3", "500u", "7n", ".5"].map(parseQuantity), [
            0.5,
            2,
            4 * 2 ** 30,
            1.5e9,
            2e18,
            2 ** 60,
            2000,
            0.001,
            0.0005,
            7e-9,
            0.5,
        ]);
        assert.deepEqual(["", "two", "-1", "1Xi", "1e", "1.2.3", "1e400", "9223372036854775808", "8Ei"].map(parseQuantity), Array(9).fill(undefined));
        assert.equal(parseQuantity("9223372036854775807"), 9223372036854775807);
    });

    it("compares exactly: 2300m is 2.3, 1E is more than 1Gi, 1Ei is 2^60", () => {
        assert.equal(compareQuantities("2300m", "2.3"), 0);
        assert.equal(compareQuantities("9m", 0.009), 0);
        assert.equal(compareQuantities("1E", "1Gi"), 1);
        assert.equal(compareQuantities("0.1T", "0.1E"), -1);
        assert.equal(compareQuantities("1152921504606846976", "1Ei"), 0);
        assert.equal(compareQuantities("1152921504606846977", "1Ei"), 1);
        assert.equal(compareQuantities("x", "1"), undefined);
    });

    it("tells zero from the smallest positive number", () => {
        assert.equal(isZeroQuantity(5e-324), false);
        assert.equal(isZeroQuantity("0m"), true);
        assert.equal(isZeroQuantity(0), true);
    });
});
