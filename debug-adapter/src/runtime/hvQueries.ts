// Hypervisor queries over the link (PROTOCOL.md packets, TS codec in ../rsp): one method per
// packet, decoded to plain data with BigInt addresses. No DAP here. A target without the stub
// (QEMU's gdbstub) answers qHv.info with an empty reply: `probe()` then returns undefined and the
// session offers source debugging only.
import {
  decodeEptWalk,
  decodeExitCounters,
  decodeGuestRegisters,
  decodeGvaWalk,
  decodeInfo,
  decodeMemory,
  decodeOk,
  decodeVmcsAll,
  EptWalk,
  ExitBreakpoint,
  GuestRegister,
  GvaWalk,
  HvInfo,
  hvRequest,
  MAX_MEMORY_PER_PACKET,
} from '../rsp/hvPackets';

export type Query = (packet: string) => Promise<string>;

export class HvQueries {
  info?: HvInfo;
  constructor(private readonly q: Query) {}

  async probe(): Promise<HvInfo | undefined> {
    const reply = await this.q(hvRequest.info());
    this.info = reply === '' ? undefined : decodeInfo(reply);
    return this.info;
  }
  private need(): void {
    if (!this.info)
      throw new Error(
        'this target has no uefi-hv stub (a plain gdbstub): hypervisor views need the driver stub',
      );
  }
  async vmcs(): Promise<Map<number, bigint>> {
    this.need();
    return decodeVmcsAll(await this.q(hvRequest.vmcsAll()));
  }
  async vmcsWrite(encoding: number, value: bigint): Promise<void> {
    this.need();
    decodeOk(await this.q(hvRequest.vmcsWrite([[encoding, value]])), 'QHv.vmcs');
  }
  async guestRegisters(): Promise<Map<string, bigint>> {
    this.need();
    return decodeGuestRegisters(await this.q(hvRequest.gregsRead()));
  }
  async guestRegisterWrite(reg: GuestRegister, value: bigint): Promise<void> {
    this.need();
    decodeOk(await this.q(hvRequest.gregsWrite([[reg, value]])), 'QHv.gregs');
  }
  async eptWalk(gpa: bigint): Promise<EptWalk> {
    this.need();
    return decodeEptWalk(await this.q(hvRequest.ept(gpa)));
  }
  async gvaWalk(gva: bigint, cr3?: bigint): Promise<GvaWalk> {
    this.need();
    return decodeGvaWalk(await this.q(hvRequest.gva(gva, cr3)));
  }
  async exitCounters(): Promise<Map<number, bigint>> {
    this.need();
    return decodeExitCounters(await this.q(hvRequest.exits()));
  }
  async guestMemory(gpa: bigint, length: number): Promise<Buffer> {
    this.need();
    const parts: Buffer[] = [];
    for (let off = 0; off < length; off += MAX_MEMORY_PER_PACKET) {
      const n = Math.min(MAX_MEMORY_PER_PACKET, length - off);
      parts.push(decodeMemory(await this.q(hvRequest.gpmRead(gpa + BigInt(off), n))));
    }
    return Buffer.concat(parts);
  }
  async guestMemoryWrite(gpa: bigint, data: Buffer): Promise<void> {
    this.need();
    for (let off = 0; off < data.length; off += MAX_MEMORY_PER_PACKET) {
      const chunk = data.subarray(off, off + MAX_MEMORY_PER_PACKET);
      decodeOk(await this.q(hvRequest.gpmWrite(gpa + BigInt(off), chunk)), 'QHv.gpm');
    }
  }
  // QHv.reset: answered OK (acknowledged by the proxy), then the machine resets.
  async reset(): Promise<void> {
    this.need();
    decodeOk(await this.q(hvRequest.reset()), 'QHv.reset');
  }
  async setExitBreakpoints(bps: ExitBreakpoint[]): Promise<void> {
    this.need();
    decodeOk(await this.q(hvRequest.exitBreakpointDelete()), 'QHv.exitbp.del');
    for (const bp of bps) decodeOk(await this.q(hvRequest.exitBreakpointSet(bp)), 'QHv.exitbp');
  }
}
