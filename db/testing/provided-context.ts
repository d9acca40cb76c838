// What the global setup hands to test workers through vitest's provide/inject.
declare module 'vitest' {
  // Module augmentation has to use an interface.
  // biome-ignore lint/style/useConsistentTypeDefinitions: augmenting vitest's interface
  export interface ProvidedContext {
    testServices: {
      databaseUrl: string;
      redisUrl: string;
      runId: string;
      templateDb: string;
      /** Set in a run through PgBouncer (TEST_DATABASE_POOL): the pooler's URL of the same server. */
      pooledUrl?: string;
    };
  }
}

export {};
