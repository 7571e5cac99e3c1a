/** The task body a backfill command's environment implies, read as the backfill program reads it (`readPlan`). */
import { loggedStatements } from "../../components/warehouse/backfill/backfill";
import { readPlan } from "../../components/warehouse/backfill/main";
import { taskBody } from "../../components/warehouse/sql";

export function taskOf(env: Record<string, string>): string {
    const plan = readPlan(env);
    return taskBody({ ...loggedStatements(plan)!, copy: plan.copy }, plan.table);
}
