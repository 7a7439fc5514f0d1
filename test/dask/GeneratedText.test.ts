import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, settle } from "../mocks";
import { ALPHANUMERIC, GeneratedText } from "../../components/dask/GeneratedText";

const registered = installMocks();

/** The provider as the engine's dynamic provider host would run it. */
function providerOf(name: string): pulumi.dynamic.ResourceProvider {
    const serialized = find(registered, "pulumi-nodejs:dynamic:Resource", name).inputs.__provider as string;
    // The SDK serializes the provider as a module whose `handler()` returns it.
    const module = { exports: {} as Record<string, unknown> };
    new Function("module", "exports", "require", serialized)(module, module.exports, require);
    return (module.exports.handler as () => pulumi.dynamic.ResourceProvider)();
}

describe("GeneratedText", () => {
    it("draws the requested number of characters from the alphabet, differently each time", async () => {
        new GeneratedText("text", { length: 40 });
        await settle();
        const provider = providerOf("text");
        const inputs = { length: 40, alphabet: ALPHANUMERIC, trigger: "" };
        const first = await provider.create(inputs);
        const second = await provider.create(inputs);
        assert.match(first.outs.result, /^[A-Za-z0-9]{40}$/);
        assert.notEqual(first.outs.result, second.outs.result);
        assert.notEqual(first.id, second.id);
    });

    it("keeps the text unless length, alphabet or trigger change", async () => {
        new GeneratedText("kept", { length: 8, alphabet: "ab", trigger: "v1" });
        await settle();
        const provider = providerOf("kept");
        const olds = { length: 8, alphabet: "ab", trigger: "v1", result: "abababab" };
        assert.deepEqual(await provider.diff!("id", olds, { length: 8, alphabet: "ab", trigger: "v1" }), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
        assert.deepEqual((await provider.diff!("id", olds, { length: 8, alphabet: "ab", trigger: "v2" })).replaces, ["trigger"]);
        assert.deepEqual((await provider.diff!("id", olds, { length: 9, alphabet: "ab", trigger: "v1" })).replaces, ["length"]);
    });

    it("rejects impossible settings", () => {
        assert.throws(() => new GeneratedText("bad", { length: 0 }), /length \(0\) must be a whole number >= 1/);
        assert.throws(() => new GeneratedText("bad2", { length: 4, alphabet: "a" }), /alphabet needs 2 or more characters/);
    });
});
