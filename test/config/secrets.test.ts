import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { stackFileLocation, stackFileValues } from "../../config/secrets";

const stackFile = (body: string) => `config:\n  daskk8s:target: minikube\n${body}`;

describe("the stack file: which values are secret", () => {
    it("names every secure and every plain value of a stack file", () => {
        assert.deepEqual(
            stackFileValues(
                stackFile(
                    [
                        "  daskk8s:jupyterPassword:",
                        "    secure: v1:abc",
                        "  daskk8s:dask:",
                        "    workers:",
                        "      env:",
                        "        MODE: batch",
                        "        API_TOKEN:",
                        "          secure: v1:def",
                        "    packages:",
                        "      pip: [a, {secure: v1:ghi}]",
                    ].join("\n"),
                ),
            ),
            {
                secure: ["daskk8s:jupyterPassword", "daskk8s:dask.workers.env.API_TOKEN", "daskk8s:dask.packages.pip[1]"],
                plain: ["daskk8s:target", "daskk8s:dask.workers.env.MODE", "daskk8s:dask.packages.pip[0]"],
            },
        );
        assert.deepEqual(stackFileValues(undefined), { secure: [], plain: [] });
        assert.deepEqual(stackFileValues("config: [unclosed"), { secure: [], plain: [] });
    });

    it("is found next to Pulumi.yaml, or in its stackConfigDir", () => {
        const files: Record<string, string> = { [path.join("/p", "Pulumi.yaml")]: "name: x\nruntime: nodejs\n" };
        const read = (file: string) => files[file];
        assert.equal(stackFileLocation("/p", "dev", read), path.join("/p", "Pulumi.dev.yaml"));
        files[path.join("/p", "Pulumi.yaml")] = "name: x\nruntime: nodejs\nstackConfigDir: stacks\n";
        assert.equal(stackFileLocation("/p", "dev", read), path.join("/p", "stacks", "Pulumi.dev.yaml"));
        assert.equal(
            stackFileLocation("/q", "dev", () => undefined),
            path.join("/q", "Pulumi.dev.yaml"),
        );
        assert.equal(
            stackFileLocation("/q", "dev", () => "name: [unclosed"),
            path.join("/q", "Pulumi.dev.yaml"),
        );
    });
});
