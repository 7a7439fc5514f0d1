import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { parseCidr } from "../../components/common/cidr";

describe("parseCidr", () => {
    it("parses IPv4 and IPv6 blocks with their family and prefix", () => {
        assert.deepEqual(parseCidr("203.0.113.0/24"), { family: 4, address: "203.0.113.0", prefixLength: 24 });
        assert.deepEqual(parseCidr("0.0.0.0/0"), { family: 4, address: "0.0.0.0", prefixLength: 0 });
        assert.deepEqual(parseCidr("2001:db8::/32"), { family: 6, address: "2001:db8::", prefixLength: 32 });
        assert.deepEqual(parseCidr("::/0"), { family: 6, address: "::", prefixLength: 0 });
    });

    it("refuses what only looks like a block", () => {
        for (const text of [
            "::::/999",
            "::::/64",
            "300.0.0.0/16",
            "10.0.0.0/33",
            "2001:db8::/129",
            "10.0.0.0",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0/8",
            "fe80::1%eth0/64",
            "",
        ]) {
            assert.equal(parseCidr(text), undefined, text);
        }
    });
});
