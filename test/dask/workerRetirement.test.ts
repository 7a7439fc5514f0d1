/**
 * The retirement hook's script, run by this host's Python against a fake
 * scheduler API: which workers it retires and what it asks for. That it
 * really keeps a worker's results is shown on real pods
 * (test/integration/daskAutoscaling.test.ts).
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { RETIRE_SCRIPT } from "../../components/dask/workerRetirement";

const exec = promisify(execFile);
const WORKERS = ["tcp://10.244.0.7:39111", "tcp://10.244.0.17:41000", "tcp://10.244.0.7:45222", "tls://[fd00::7]:40000"];

describe("worker retirement hook", () => {
    let server: http.Server;
    let base: string;
    const retired: unknown[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-retire-"));

    before(async () => {
        server = http.createServer((request, response) => {
            let body = "";
            request.on("data", (chunk) => (body += chunk));
            request.on("end", () => {
                response.setHeader("content-type", "application/json");
                if (request.method === "GET" && request.url === "/api/v1/get_workers") {
                    response.end(JSON.stringify({ num_workers: WORKERS.length, workers: WORKERS.map((address) => ({ name: address, address })) }));
                } else if (request.method === "POST" && request.url === "/api/v1/retire_workers") {
                    const asked = JSON.parse(body) as { workers: string[] };
                    retired.push(asked);
                    response.end(JSON.stringify(Object.fromEntries(asked.workers.map((w) => [w, { id: w }]))));
                } else {
                    response.statusCode = 404;
                    response.end("{}");
                }
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(() => server.close());

    async function hook(podIp: string, address = base): Promise<string> {
        const log = path.join(dir, `${podIp.replace(/[^0-9a-f]/g, "_")}.log`);
        fs.rmSync(log, { force: true });
        const env = { ...process.env, DASKK8S_POD_IP: podIp, DASKK8S_RETIRE_LOG: log };
        await exec("python3", ["-c", RETIRE_SCRIPT, address, "5"], { env, timeout: 30_000 });
        return fs.readFileSync(log, "utf8");
    }

    it("retires every worker of its own pod, and only those, in one request", async () => {
        retired.length = 0;
        const log = await hook("10.244.0.7");
        assert.deepEqual(retired, [{ workers: ["tcp://10.244.0.7:39111", "tcp://10.244.0.7:45222"] }]);
        assert.match(log, /^daskk8s preStop: retiring \['tcp:\/\/10\.244\.0\.7:39111', 'tcp:\/\/10\.244\.0\.7:45222'\]$/m);
        assert.match(log, /^daskk8s preStop: retired \[/m);
    });

    it("matches IPv6 pod addresses, which workers write in brackets", async () => {
        retired.length = 0;
        await hook("fd00::7");
        assert.deepEqual(retired, [{ workers: ["tls://[fd00::7]:40000"] }]);
    });

    it("asks for nothing when the scheduler knows no worker of the pod", async () => {
        retired.length = 0;
        assert.match(await hook("10.244.0.99"), /no worker of 10\.244\.0\.99 at the scheduler/);
        assert.deepEqual(retired, []);
    });

    it("lets the pod stop when the scheduler is gone, saying so", async () => {
        const closed = http.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const gone = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
        closed.close();
        assert.match(await hook("10.244.0.7", gone), /could not retire: .*(Connection refused|URLError)/);
    });
});
