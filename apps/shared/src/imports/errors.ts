// template-demo
// The lifecycle's expected refusals, with the status and code an API answers them with; the
// web turns them into its error body. Dependency-free, so any caller can test for them.

/** A request the import cannot take as it is now (a 404, a 409), or a bad cursor (a 400). */
export class ImportStateError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImportStateError';
  }
}

/** Another worker committed since this run read the checkpoint: this run must stop writing. */
export class ImportTakenOver extends Error {
  constructor(id: string) {
    super(`import ${id} was taken over by another worker`);
    this.name = 'ImportTakenOver';
  }
}
