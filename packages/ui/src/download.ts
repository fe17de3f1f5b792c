// Saves an artifact's bytes (hash-verified by the server) as a file named after what made it.
import type { Session } from "./session.js";

export async function downloadArtifact(
  session: Session,
  hash: string,
  baseName: string,
): Promise<void> {
  const bytes = await session.client.project(session.me.project).artifact(hash).download();
  const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
  const a = document.createElement("a");
  a.href = url;
  a.download = `${baseName.replace(/[^\w.-]+/g, "_")}-${hash.slice(0, 12)}`;
  a.click();
  URL.revokeObjectURL(url);
}
