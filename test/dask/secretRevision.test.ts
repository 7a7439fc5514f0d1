import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf } from "../mocks";
import { contentRevision } from "../../components/dask/secretRevision";

installMocks();
const key = (seed: string) => pulumi.secret(crypto.createHash("sha256").update(seed).digest("base64"));

describe("contentRevision", () => {
    it("changes exactly when the contents change, whatever the order of their keys", async () => {
        const first = await promiseOf(contentRevision(key("a"), { A: "one", B: "two" }));
        assert.match(first, /^[0-9a-f]{16}$/);
        assert.equal(await promiseOf(contentRevision(key("a"), { B: "two", A: "one" })), first);
        assert.notEqual(await promiseOf(contentRevision(key("a"), { A: "one", B: "three" })), first);
        assert.notEqual(await promiseOf(contentRevision(key("a"), { A: "one", B: "two", C: "" })), first);
        assert.notEqual(await promiseOf(contentRevision(key("a"), { AB: "onetwo" })), first);
    });

    it("is keyed: the same contents under another cluster's key give another revision, so it reveals nothing of them", async () => {
        const contents = { DB_PASSWORD: "hunter22" };
        const revision = contentRevision(key("a"), contents);
        assert.notEqual(await promiseOf(revision), await promiseOf(contentRevision(key("b"), contents)));
        const plainDigest = crypto
            .createHash("sha256")
            .update(JSON.stringify([["DB_PASSWORD", "hunter22"]]))
            .digest("hex");
        assert.ok(!plainDigest.startsWith(await promiseOf(revision)));
        assert.equal(await pulumi.isSecret(revision), false, "shown in the Deployment and in previews");
    });

    it("accepts secret and output contents", async () => {
        const plain = await promiseOf(contentRevision(key("a"), { TOKEN: "x-123" }));
        assert.equal(await promiseOf(contentRevision(key("a"), pulumi.secret({ TOKEN: pulumi.output("x-123") }))), plain);
    });
});
