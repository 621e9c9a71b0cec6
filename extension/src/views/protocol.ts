// Shapes of the debug adapter's custom requests and events that the Hypervisor views consume.
// 64-bit values travel as hex strings ("0x..."): JSON numbers lose bits above 2^53.

export type Hex64 = string; // "0x" + hex digits

// hv/vmcs: every readable VMCS field of one CPU, grouped as the adapter groups them.
export interface VmcsArguments {
  cpu?: number; // default: the CPU that stopped
}
export interface VmcsField {
  name: string; // KVM's name, e.g. GUEST_RIP
  encoding: number; // SDM encoding, e.g. 0x681e
  width: 16 | 32 | 64 | 'natural';
  value: Hex64;
  decoded?: string; // e.g. "CPUID" for VM_EXIT_REASON, flag names for controls
  writable: boolean;
}
export interface VmcsGroup {
  name: string; // "Guest state", "Host state", "Controls", "Exit information"
  fields: VmcsField[];
}
export interface VmcsResponse {
  cpu: number;
  groups: VmcsGroup[];
}
// hv/vmcsWrite: one VMWRITE.
export interface VmcsWriteArguments {
  cpu: number;
  encoding: number;
  value: Hex64;
}

// hv/eptWalk: the translation of one address, every level.
export interface EptWalkArguments {
  cpu?: number;
  address: Hex64;
  space: 'gpa' | 'gva'; // gva: guest page tables first, then EPT for each guest-physical access
}
export interface EptLevel {
  level: 4 | 3 | 2 | 1; // PML4, PDPT, PD, PT
  name: string; // "PML4E", "PDPTE", "PDE", "PTE"
  tableAddress: Hex64; // host-physical address of the table
  index: number;
  entryAddress: Hex64;
  entry: Hex64;
  permissions: string; // "rwx", "r--", ...
  memoryType?: string; // "WB", "UC", ... for leaf entries
  leaf: boolean; // a large page or the PTE
  present: boolean;
}
export interface EptWalkResponse {
  address: Hex64;
  space: 'gpa' | 'gva';
  gpa?: Hex64; // for a GVA: the guest-physical address it translated to
  levels: EptLevel[];
  hpa?: Hex64; // final host-physical address; absent on a fault
  fault?: string; // "EPT violation at PDE: not present"
}

// hv/exitStats: counts per basic exit reason since the driver started.
export interface ExitStatsArguments {
  cpu?: number; // default: all CPUs summed
}
export interface ExitStatsResponse {
  tsc: Hex64; // when the counters were read (guest TSC)
  uptimeSeconds: number;
  counts: { reason: string; number: number; count: number }[];
}

// hv/info: the driver and its CPUs.
export interface HvInfoResponse {
  version: string;
  imageBase: Hex64;
  capabilities: string[];
  cpus: { id: number; state: 'running' | 'stopped' | 'parked' | 'not-virtualized'; exit?: string }[];
}

// Custom event sent on every stop, besides DAP's 'stopped'.
export const HV_STOP_EVENT = 'hv/stopped';
export interface HvStopEventBody {
  cpu: number;
  reason: string; // basic exit reason, e.g. "CPUID"
  qualifier?: string; // e.g. "leaf 0x1", "MSR 0xc0000080", "port 0xcf8 out"
  guestRip?: Hex64;
}
