import { ChildProcess } from "child_process";

/**
 * The port a Pulumi plugin process serves on: the first line of its stdout that is a number, as
 * the engine reads it. Rejects with the process's stderr if it exits first.
 */
export function servedPort(child: ChildProcess, what: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout!.on("data", (d) => {
            out += d;
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) resolve(m[1]);
        });
        child.stderr!.on("data", (d) => (err += d));
        child.on("exit", (code) => reject(new Error(`${what} exited with ${code}: ${err}`)));
    });
}
