import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse } from "yaml";

const REPO = path.resolve(__dirname, "..", "..");
const REGISTER = path.join(REPO, "startup", "register.js");
const TYPESCRIPT = require.resolve("typescript", { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))] });
const PULUMI_SDK = require.resolve("@pulumi/pulumi");
const run = promisify(execFile);

let work: string;
let cache: string;

/** Runs `script` (JavaScript) in a Node.js started as Pulumi starts the program; its stdout parsed as JSON. */
async function started(script: string): Promise<any> {
    const { stdout } = await run(process.execPath, ["--require", REGISTER, "-e", script], {
        cwd: REPO,
        env: { ...process.env, DASKK8S_TS_CACHE: cache, NODE_OPTIONS: "" },
    });
    return JSON.parse(stdout);
}

/** What `started` prints: whether the compiler module is still the stand-in, and `value`. */
const report = (value: string) =>
    `console.log(JSON.stringify({ value: ${value}, compilerLoaded: require.cache[${JSON.stringify(TYPESCRIPT)}][Symbol.for("daskk8s.startup.lazyTypeScript")] !== true }))`;

const cached = () => fs.readdirSync(cache).sort();

describe("startup/register.js: how Pulumi starts the program", () => {
    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-startup-"));
        cache = path.join(work, "cache");
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("is what Pulumi.yaml starts the program with, instead of ts-node", () => {
        const project = parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8"));
        assert.equal(project.runtime.options.typescript, false);
        assert.equal(project.runtime.options.nodeargs, "--require ./startup/register.js");
    });

    it("transpiles a .ts file once: the next run takes it from the cache and never loads the compiler", async () => {
        const file = path.join(work, "answer.ts");
        fs.writeFileSync(file, "const parts: number[] = [6, 7];\nexport const answer: number = parts[0] * parts[1];\n");
        const script = report(`require(${JSON.stringify(file)}).answer`);

        assert.deepEqual(await started(script), { value: 42, compilerLoaded: true });
        assert.equal(cached().length, 1);
        assert.deepEqual(await started(script), { value: 42, compilerLoaded: false });
        assert.equal(cached().length, 1);
    });

    it("transpiles an edited file again: a cached result is never served stale", async () => {
        const file = path.join(work, "edited.ts");
        const script = report(`require(${JSON.stringify(file)}).value`);
        fs.writeFileSync(file, 'export const value: string = "first";\n');
        assert.equal((await started(script)).value, "first");
        const before = cached();

        fs.writeFileSync(file, 'export const value: string = "second";\n');
        assert.deepEqual(await started(script), { value: "second", compilerLoaded: true });
        assert.equal(cached().length, before.length + 1);
    });

    it("gives the Pulumi SDK the real compiler when it first uses it (function serialization)", async () => {
        const out = await started(`
            const pulumi = require(${JSON.stringify(PULUMI_SDK)});
            const loadedWithSdk = require.cache[${JSON.stringify(TYPESCRIPT)}][Symbol.for("daskk8s.startup.lazyTypeScript")] !== true;
            pulumi.runtime.serializeFunction(() => 6 * 7).then((fn) => {
                ${report("{ loadedWithSdk, serialized: fn.text.includes('6 * 7') }")}
            });
        `);
        assert.deepEqual(out, { value: { loadedWithSdk: false, serialized: true }, compilerLoaded: true });
    });

    it("refuses a syntax error with the file, line and column, and caches nothing", async () => {
        const file = path.join(work, "broken.ts");
        fs.writeFileSync(file, "export const fine = 1;\nconst = 2;\n");
        const before = cached();
        await assert.rejects(started(report(`require(${JSON.stringify(file)})`)), (err: { stderr: string }) => {
            assert.match(err.stderr, new RegExp(`SyntaxError: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:7: Variable declaration expected\\.`));
            return true;
        });
        assert.deepEqual(cached(), before);
    });

    it("stops with what to do when the project's packages are not installed", async () => {
        const project = path.join(work, "not-installed");
        fs.mkdirSync(path.join(project, "startup"), { recursive: true });
        fs.copyFileSync(REGISTER, path.join(project, "startup", "register.js"));
        await assert.rejects(
            run(process.execPath, ["--require", path.join(project, "startup", "register.js"), "-e", "1"], { cwd: project }),
            (err: { stderr: string }) => {
                assert.match(
                    err.stderr,
                    new RegExp(`Error: startup/register.js: the package @pulumi/pulumi is not installed in ${project}: run \`npm install\` there`),
                );
                return true;
            },
        );
    });

    it("maps stack traces to the .ts file and line, in any folder, from the cache too", async () => {
        // Folders at other depths than the repository's: a map naming the
        // file relative to an output folder resolved to a wrong path there.
        for (const dir of [work, path.join(work, "nested", "deeper")]) {
            fs.mkdirSync(dir, { recursive: true });
            const file = path.join(dir, "thrower.ts");
            fs.writeFileSync(file, 'type Unused = { a: number };\n\nexport function fail(): string {\n    return new Error("where").stack ?? "";\n}\n');
            const script = report(`require(${JSON.stringify(file)}).fail().split("\\n")[1].trim()`);
            for (let i = 0; i < 2; i++) {
                assert.equal((await started(script)).value, `at Object.fail (${file}:4:12)`);
            }
        }
    });
});
