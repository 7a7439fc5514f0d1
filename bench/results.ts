/** bench/RESULTS.md holds one section per benchmark, each between its own markers. */
import * as fs from "fs";
import * as path from "path";

export const RESULTS = path.join(__dirname, "RESULTS.md");

/** Replaces the section `name` of bench/RESULTS.md with `text` (appends it the first time). */
export function writeSection(name: string, text: string): void {
    const begin = `<!-- ${name}:begin -->`;
    const end = `<!-- ${name}:end -->`;
    const before = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, "utf8") : "";
    const section = `${begin}\n${text.trimEnd()}\n${end}`;
    const from = before.indexOf(begin);
    const to = before.indexOf(end);
    const after = from >= 0 && to > from ? before.slice(0, from) + section + before.slice(to + end.length) : `${before.trimEnd()}\n\n${section}\n`;
    fs.writeFileSync(RESULTS, after.trimStart());
}
