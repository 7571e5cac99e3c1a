import * as path from "path";
import { componentProvider } from "../../components/component-provider";

/** The checked-in schema of the component provider. */
export const SCHEMA_FILE = path.resolve(__dirname, "..", "..", "components", "schema.json");

/** The schema Pulumi derives from the package's sources, as the checked-in file holds it. */
export async function derivedSchema(): Promise<string> {
    return `${JSON.stringify(JSON.parse(await componentProvider().getSchema()), null, 2)}\n`;
}
