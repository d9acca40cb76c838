/**
 * Runs once when the server starts (not during `next build`). The Node-only part lives in its own
 * module so the Edge bundle never sees process.exit.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const node = await import('./instrumentation-node');
  await node.start();
}
