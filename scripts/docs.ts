// Writes the generated settings tables into docs/configuration.md (`npm run docs`).
import * as fs from "fs";
import * as path from "path";
import { DOCS_FILE, withSettingsTables } from "../config/docs";

const file = path.join(__dirname, "..", DOCS_FILE);
const before = fs.readFileSync(file, "utf8");
const after = withSettingsTables(before);
fs.writeFileSync(file, after);
console.log(before === after ? `${DOCS_FILE} is up to date` : `wrote ${DOCS_FILE}`);
