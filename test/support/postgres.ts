// Filled in with the api's migrations: a template database migrated once, cloned per test file.
export async function prepareTemplateDatabase(): Promise<void> {}
