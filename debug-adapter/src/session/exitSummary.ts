// The one line a stop on a VM exit shows: "VM exit: WRMSR 0xC0000082 on CPU 1". The operand comes
// from the exit qualification or the guest registers the instruction used (CPUID: eax/ecx, MSRs:
// ecx); whatever is unknown is left out rather than guessed.
import { VmExitStop } from '../rsp/hvPackets';
import { decodeExitQualification, VmcsTables } from '../vmcs/table';

const hx = (v: bigint | number, digits = 0): string =>
  `0x${v.toString(16).toUpperCase().padStart(digits, '0')}`;

export function exitSummary(
  t: VmcsTables,
  exit: VmExitStop,
  cpu: number | undefined,
  gregs?: Map<string, bigint>,
): string {
  const r = t.decodeExitReason(exit.reason);
  const on = cpu === undefined ? '' : ` on CPU ${cpu}`;
  if (r.entryFailure) return `VM entry failed: ${r.name} (reason ${hx(exit.reason)})${on}`;
  const reg = (n: string): bigint | undefined => gregs?.get(n);
  // The table's description is the readable form ("WRMSR", "Triple fault"); the name is KVM's.
  let what: string = t.reasons.get(r.basic)?.description ?? r.name;
  switch (r.basic) {
    case 10: {
      const eax = reg('rax');
      const ecx = reg('rcx');
      if (eax !== undefined) what += ` leaf ${hx(eax & 0xffffffffn)}`;
      if (ecx !== undefined && eax !== undefined) what += ` subleaf ${hx(ecx & 0xffffffffn)}`;
      break;
    }
    case 31:
    case 32: {
      const ecx = reg('rcx');
      if (ecx !== undefined) what += ` ${hx(ecx & 0xffffffffn)}`;
      if (r.basic === 32 && reg('rax') !== undefined && reg('rdx') !== undefined)
        what += ` value ${hx(((reg('rdx')! & 0xffffffffn) << 32n) | (reg('rax')! & 0xffffffffn))}`;
      break;
    }
    case 28: {
      const q = decodeExitQualification(28, exit.qualification);
      if (q.kind === 'cr') {
        what =
          q.access === 'mov-to-cr'
            ? `MOV to CR${q.cr} from ${q.gpr}`
            : q.access === 'mov-from-cr'
              ? `MOV from CR${q.cr} to ${q.gpr}`
              : q.access.toUpperCase();
      }
      break;
    }
    case 30: {
      const q = decodeExitQualification(30, exit.qualification);
      if (q.kind === 'io')
        what = `${q.direction.toUpperCase()}${q.string ? 'S' : ''} port ${hx(q.port, 4)} (${q.size} byte${q.size > 1 ? 's' : ''})`;
      break;
    }
    case 48: {
      const q = decodeExitQualification(48, exit.qualification);
      const access = q.kind === 'ept' ? (q.fetch ? 'fetch' : q.write ? 'write' : 'read') : 'access';
      what = `EPT violation (${access})${exit.gpa !== undefined ? ` at GPA ${hx(exit.gpa)}` : ''}`;
      break;
    }
    case 49:
      what = `EPT misconfiguration${exit.gpa !== undefined ? ` at GPA ${hx(exit.gpa)}` : ''}`;
      break;
  }
  return `VM exit: ${what}${on}`;
}
