// The Hypervisor views speak the debug adapter's custom protocol: one definition, in the adapter
// (debug-adapter/src/session/customProtocol.ts), types and constants only.
export * from '../../../debug-adapter/src/session/customProtocol';
