import type { Policy } from '../domain/policy';
import { WEEKDAYS } from './policy-form';

/** A policy in one line for lists, e.g. "Locks after 15 min idle · Wipes after 5 wrong passwords". */
export function summarizePolicy(p: Policy | null): string {
  if (!p) return 'No policy';
  const parts: string[] = [];
  if (p.sessionTimeoutMinutes !== undefined) parts.push(`Locks after ${p.sessionTimeoutMinutes} min idle`);
  if (p.passwordAttempts) parts.push(`${p.passwordAttempts.action === 'wipe' ? 'Wipes' : 'Locks'} after ${p.passwordAttempts.max} wrong passwords`);
  if (p.forceServerContactHours !== undefined) parts.push(`Login needs server contact within ${p.forceServerContactHours} h`);
  if (p.wipeAfterNoContactHours !== undefined) parts.push(`Wipes after ${p.wipeAfterNoContactHours} h without contact`);
  if (p.businessHours) {
    const open = WEEKDAYS.filter(([k]) => p.businessHours!.days[k]?.length).map(([k, name]) => `${name.slice(0, 3)} ${p.businessHours!.days[k]!.map((w) => `${w.from}–${w.to}`).join(', ')}`);
    parts.push(`Hours (${p.businessHours.timeZone}): ${open.length ? open.join('; ') : 'closed every day'}`);
  }
  if (p.minAppVersion) parts.push(`App ${p.minAppVersion} or newer`);
  if (p.checkPolicyOnLogin) parts.push('Checks the policy at login');
  return parts.length ? parts.join(' · ') : 'No rules';
}
