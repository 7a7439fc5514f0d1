// How Pulumi starts this program (Pulumi.yaml: `typescript: false`,
// `nodeargs: --require ./startup/register.js`), in place of the SDK's
// ts-node start, which loads the TypeScript compiler (~0.3 s) and ts-node on
// every run:
//   - each .ts file is transpiled once and kept in node_modules/.cache/,
//     under a hash of its path, its text, tsconfig.json and the TypeScript
//     version, so an edit is never served stale; a run that finds every file
//     there never loads the compiler. Transpile only, as before: `npm test`
//     type-checks.
//   - the SDK requires the TypeScript compiler when it starts, for function
//     serialization this program never uses; it gets the same module, loaded
//     on first use instead.
//   - stack traces map this program's frames to its .ts lines; other frames
//     keep their .js positions (mapping every frame of the stack the SDK
//     records with each promise took ~0.1 s a run).
// Measured in bench/RESULTS.md ("program start-up").
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const Module = require("module");

/** Bump when what this file emits changes, so older cache entries are not used. */
const FORMAT = 2;
const ROOT = path.resolve(__dirname, "..");
const TSCONFIG = path.join(ROOT, "tsconfig.json");
const CACHE = process.env.DASKK8S_TS_CACHE || path.join(ROOT, "node_modules", ".cache", "daskk8s-ts");
/** Where `id` resolves from `dir`; a missing package stops the run with what to do. */
function installed(id, dir) {
    try {
        return require.resolve(id, { paths: [dir] });
    } catch {
        throw new Error(`startup/register.js: the package ${id.replace(/\/package\.json$/, "")} is not installed in ${ROOT}: run \`npm install\` there`);
    }
}
const SDK = path.dirname(installed("@pulumi/pulumi/package.json", ROOT));
const TYPESCRIPT = installed("typescript", SDK);
const TYPESCRIPT_VERSION = require(installed("typescript/package.json", SDK)).version;
/** Marks the stand-in of the compiler module until something uses it (read by the tests). */
const LAZY = Symbol.for("daskk8s.startup.lazyTypeScript");

let typescript;
/** The TypeScript compiler, loaded on first use. */
function compiler() {
    if (!typescript) {
        delete require.cache[TYPESCRIPT];
        typescript = require(TYPESCRIPT);
    }
    return typescript;
}

const standIn = new Module(TYPESCRIPT);
standIn.filename = TYPESCRIPT;
standIn.loaded = true;
standIn[LAZY] = true;
standIn.exports = new Proxy(
    {},
    {
        get: (_, key) => compiler()[key],
        has: (_, key) => key in compiler(),
        ownKeys: () => Reflect.ownKeys(compiler()),
        getOwnPropertyDescriptor: (_, key) => {
            const descriptor = Object.getOwnPropertyDescriptor(compiler(), key);
            return descriptor && { ...descriptor, configurable: true };
        },
    },
);
require.cache[TYPESCRIPT] = standIn;

const tsconfigText = fs.readFileSync(TSCONFIG, "utf8");
let compilerOptions;
function options() {
    if (!compilerOptions) {
        const ts = compiler();
        const read = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
        if (read.error) {
            throw new Error(`${TSCONFIG}: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
        }
        // Emitted as if beside its .ts file (no outDir/rootDir), so the map
        // names the file itself: the mapper resolves it against the .ts
        // file's folder, and an outDir-relative name lost or doubled folders.
        const { outDir, rootDir, outFile, sourceRoot, mapRoot, ...parsed } = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT).options;
        compilerOptions = {
            ...parsed,
            noEmit: false,
            declaration: false,
            sourceMap: false,
            inlineSourceMap: true,
            inlineSources: false,
        };
    }
    return compilerOptions;
}

/** `file`'s source as CommonJS, from the cache or transpiled (then cached). */
function transpile(source, file) {
    const key = crypto.createHash("sha256").update([FORMAT, TYPESCRIPT_VERSION, tsconfigText, file, source].join("\0")).digest("hex");
    const cached = path.join(CACHE, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // not cached yet
    }
    const ts = compiler();
    const out = ts.transpileModule(source, { fileName: file, compilerOptions: options(), reportDiagnostics: true });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
        throw new SyntaxError(
            errors
                .map((d) => {
                    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
                    return `${file}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
                })
                .join("\n"),
        );
    }
    try {
        fs.mkdirSync(CACHE, { recursive: true });
        const partial = `${cached}.${process.pid}`;
        fs.writeFileSync(partial, out.outputText);
        fs.renameSync(partial, cached);
    } catch {
        // a read-only checkout still runs, transpiling each time
    }
    return out.outputText;
}

/** This run's JavaScript of each .ts file, for the stack-trace mapper. */
const emitted = new Map();
require.extensions[".ts"] = (module, file) => {
    const js = transpile(fs.readFileSync(file, "utf8"), file);
    emitted.set(file, js);
    module._compile(js, file);
};

// The SDK's stack-trace mapper (it installs it when it starts; the same module,
// so this comes first): it finds this run's JavaScript of each .ts file, and
// only those frames are mapped. Its per-frame work on every frame took ~0.1 s a
// run, mostly for the stack the SDK records with each promise it makes.
const mapper = require(installed("source-map-support", SDK));
mapper.install({ environment: "node", retrieveFile: (file) => emitted.get(file) ?? null });
Error.prepareStackTrace = (error, frames) =>
    `${error.name || "Error"}: ${error.message || ""}` +
    frames.map((frame) => `\n    at ${emitted.has(frame.getFileName()) ? mapper.wrapCallSite(frame) : frame}`).join("");
