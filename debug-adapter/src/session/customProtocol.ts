// The one protocol between the `uefi-hv` debug adapter and the Hypervisor views: names and shapes
// of the custom requests and events. The adapter produces them (customResponses.ts), the views
// consume them (extension/src/views/protocol.ts re-exports this file). Types and constants only:
// the extension bundle imports it without pulling in the adapter.
// 64-bit values travel as hex strings ("0x..."): JSON numbers lose bits above 2^53.

export type Hex64 = string; // "0x" + hex digits

export const HV_REQUEST = {
  info: 'hv/info',
  vmcs: 'hv/vmcs',
  vmcsWrite: 'hv/vmcsWrite',
  eptWalk: 'hv/eptWalk',
  exitStats: 'hv/exitStats',
  reset: 'hv/reset',
} as const;
export const HV_STOP_EVENT = 'hv/stopped';
export const HV_RUNNING_EVENT = 'hv/running';

// ---- hv/info: the driver, the stub, the link and the CPUs ---------------------------------------
export type HvInfoArguments = Record<string, never>;
export interface HvCpu {
  id: number;
  state: 'running' | 'stopped';
  exit?: string; // the last VM exit that stopped this CPU, e.g. "CPUID"
}
export interface HvInfoResponse {
  /** Where the driver image was found and how (stub, firmware tables...). */
  driver?: { base: Hex64; entry: Hex64; from: string };
  /** The hypervisor's debug stub; absent on a plain gdbstub (QEMU's, Bochs's). */
  stub?: { proto: number; version: string; cpus: number; imageBase: Hex64; imageSize: Hex64; caps: string[] };
  /** Bytes on the debug link, both ways, and the adapter's own share. */
  link?: { toTarget: number; fromTarget: number; adapterToTarget: number; adapterFromTarget: number };
  /** One per CPU the stub reports; empty without the stub. */
  cpus: HvCpu[];
}

// ---- hv/vmcs: every readable VMCS field of the stopped CPU, grouped -----------------------------
export interface VmcsArguments {
  cpu?: number; // default: the CPU that stopped
}
export type VmcsWidth = 16 | 32 | 64 | 'natural';
export interface VmcsField {
  name: string; // the driver's table name, e.g. GUEST_RIP
  encoding: number; // SDM encoding, e.g. 0x681e
  width: VmcsWidth;
  value: Hex64;
  decoded?: string; // e.g. "10 (CPUID)" for VM_EXIT_REASON, set control bits by name
  writable: boolean;
  changed: boolean; // differs from the previous stop's value (the adapter's view)
}
export interface VmcsGroup {
  name: string; // "Guest state", "Host state", "Controls", "Exit information"
  fields: VmcsField[];
}
export interface VmcsResponse {
  cpu: number;
  groups: VmcsGroup[];
}

// ---- hv/vmcsWrite: one VMWRITE ------------------------------------------------------------------
export interface VmcsWriteArguments {
  cpu?: number;
  encoding: number;
  value: Hex64;
}
export interface VmcsWriteResponse {
  value: Hex64; // as written
}

// ---- hv/eptWalk: the translation of one address, every level -----------------------------------
export interface EptWalkArguments {
  cpu?: number;
  address: Hex64;
  space: 'gpa' | 'gva'; // gva: the guest's page tables first, then EPT for the resulting GPA
  cr3?: Hex64; // gva only; default: GUEST_CR3
}
export interface EptLevel {
  stage: 'guest' | 'ept'; // guest paging (GVA -> GPA) or EPT (GPA -> HPA)
  level: 4 | 3 | 2 | 1; // PML4, PDPT, PD, PT
  name: string; // "PML4E", "PDPTE", "PDE", "PTE" (EPT levels prefixed "EPT ")
  tableAddress: Hex64; // physical address of the table (guest-physical for guest levels)
  index: number;
  entryAddress: Hex64;
  entry: Hex64;
  permissions: string; // EPT: "rwx", "r--"...; guest: "rw-" (user/supervisor in memoryType's place)
  memoryType?: string; // EPT leaf: "WB", "UC"...
  leaf: boolean; // a large page or the PTE
  present: boolean;
}
export interface EptWalkResponse {
  address: Hex64;
  space: 'gpa' | 'gva';
  eptp?: Hex64;
  cr3?: Hex64;
  gpa?: Hex64; // for a GVA: the guest-physical address it translated to
  levels: EptLevel[];
  hpa?: Hex64; // final host-physical address; absent on a fault
  fault?: string; // "EPT: not present at PDE (level 2)"
}

// ---- hv/exitStats: counts per basic exit reason since the driver started -----------------------
export interface ExitStatsArguments {
  cpu?: number; // default: all CPUs summed
}
export interface ExitStatsResponse {
  counts: { reason: string; number: number; count: number }[];
}

// ---- events -------------------------------------------------------------------------------------
/** hv/stopped: sent on every stop at a VM exit, before DAP's 'stopped'. */
export interface HvStopEventBody {
  cpu: number;
  reason: string; // basic exit reason by name, e.g. "CPUID"
  reasonNumber: number;
  qualification: Hex64;
  qualifier?: string; // e.g. "leaf 0x1", "MSR 0xc0000080"
  summary: string; // the one line the stopped event also carries
  guestRip?: Hex64;
  breakpoint?: number; // the stub's exit breakpoint that matched
  gpa?: Hex64; // EPT exits
}
/** hv/running: the target was resumed (the views poll exit counts while it runs). */
export interface HvRunningEventBody {
  threadId?: number;
}

// ---- hv/reset: reset the target machine --------------------------------------------------------
// With the uefi-hv stub: the stub's QHv.reset (chipset reset through port 0xCF9); QEMU without
// the stub: QMP system_reset. The hypervisor does not survive a reset, so the session ends: one
// `terminated` event, after an output line naming the reset.
export interface ResetResponse {
  how: string; // "QHv.reset (port 0xCF9)" or "QMP system_reset"
}
