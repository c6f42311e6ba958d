/** Injected by vite.config.ts from package.json. */
declare const __APP_VERSION__: string;
/** Key id (SHA-256 hex of the SPKI) of the organisation recovery key this build trusts; '' = none. */
declare const __RECOVERY_KID__: string;
