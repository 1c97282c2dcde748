/** GPU class names, from the deployment's launch parameters (scripts/lib/protocolConfig.ts). */
import { GPU_CLASSES } from "../../scripts/lib/protocolConfig";

export const className = (classId: number) => GPU_CLASSES.find((c) => c.classId === classId)?.name ?? `class ${classId}`;
export const CLASS_IDS = GPU_CLASSES.map((c) => c.classId);
