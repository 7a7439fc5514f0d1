import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { DOCS_FILE, settingsTables, withSettingsTables } from "../../config/docs";

const docs = fs.readFileSync(path.join(__dirname, "..", "..", DOCS_FILE), "utf8");

describe("docs/configuration.md", () => {
    it("holds the settings tables the schemas give (run `npm run docs` after changing a setting)", () => {
        assert.equal(withSettingsTables(docs), docs);
    });

    it("lists leaf settings of every kind with their defaults and what they accept", () => {
        const tables = settingsTables();
        for (const key of [
            "dask.workers.replicas",
            "autoscaling.targetCpuUtilization",
            "eks.nodeDiskSizeGb",
            "metricsServer.chart.version",
            "dask.chart.path",
            "secretEnv.workers",
        ]) {
            assert.match(tables, new RegExp(`^\\| \`${key.replace(/\./g, "\\.")}\` \\|`, "m"), key);
        }
        assert.match(tables, /^\| `autoscaling\.targetCpuUtilization` \| `70` \| whole number, 1–100 \|/m);
        assert.match(tables, /^\| `dask\.scheduler\.service\.type` \| `"ClusterIP"` \| `ClusterIP`, `NodePort`, `LoadBalancer` \|/m);
    });

    it("refuses a docs file without the markers rather than writing somewhere else", () => {
        assert.throws(() => withSettingsTables("# no markers"), /no settings markers/);
    });
});
