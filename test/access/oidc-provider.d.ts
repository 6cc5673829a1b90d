/** oidc-provider ships no types; the tests use a handful of its calls. */
declare module 'oidc-provider' {
  // biome-ignore lint/suspicious/noExplicitAny: untyped third-party test peer
  const Provider: any;
  export default Provider;
}
