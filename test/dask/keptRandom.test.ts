import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, promiseOf, secretInput, settle } from "../mocks";
import { ALPHANUMERIC, keptRandom, randomText } from "../../components/dask/keptRandom";

const registered = installMocks();

class Holder extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Holder", name);
    }
}

describe("randomText", () => {
    it("draws the given number of characters from the alphabet, differently each time", () => {
        const texts = Array.from({ length: 50 }, () => randomText(24));
        assert.ok(texts.every((t) => t.length === 24 && [...t].every((c) => ALPHANUMERIC.includes(c))));
        assert.equal(new Set(texts).size, 50);
        const drawn = new Set(texts.join(""));
        assert.ok(drawn.size > 50, `uses the whole alphabet, not a few characters (${drawn.size})`);
        assert.match(randomText(200, "ab"), /^[ab]{200}$/);
    });
});

describe("keptRandom", () => {
    it("stores the drawn value in a Secret it never updates, and reads it back from the Secret as a secret", async () => {
        const value = keptRandom("kept", { secretName: "app-token", namespace: "apps", key: "token", draw: () => "drawn-value-1" }, new Holder("h"));
        await settle();
        const secret = find(registered, "kubernetes:core/v1:Secret", "kept");
        assert.deepEqual(secret.inputs.metadata, { name: "app-token", namespace: "apps" });
        assert.deepEqual(secret.ignoreChanges, ["data"], "later runs draw again; the first value stays");
        assert.deepEqual(secretInput(secret.inputs.data), { token: Buffer.from("drawn-value-1").toString("base64") });
        assert.equal(await promiseOf(value), "drawn-value-1");
        assert.equal(await pulumi.isSecret(value), true);
    });
});
