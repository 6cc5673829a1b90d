/**
 * Quotas' and immutable tag rules' writes, once, for every caller (the
 * management API's /quotas, project storage_limit and /immutabletagrules):
 * handlers check who asks and what they send, the writes happen here.
 */
import type { ImmutableRuleBody, ImmutableRuleRow, LifecycleStore, QuotaRow } from './ports.ts';

export class LifecycleSettings {
  constructor(private readonly store: LifecycleStore) {}

  /** A project's storage limit in bytes (-1: unlimited). */
  setQuota(project: { id: number; name: string }, hardStorage: number): Promise<QuotaRow> {
    return this.store.setQuota(project.id, project.name, hardStorage);
  }

  addImmutableRule(row: Omit<ImmutableRuleRow, 'id' | 'createdAt'>): Promise<ImmutableRuleRow> {
    return this.store.addImmutableRule(row);
  }

  /** Changes a rule; what the change leaves out keeps its value. */
  updateImmutableRule(
    rule: ImmutableRuleRow,
    change: { disabled?: boolean; priority?: number; rule: ImmutableRuleBody },
  ): Promise<void> {
    return this.store.updateImmutableRule(
      rule.id,
      change.disabled ?? rule.disabled,
      change.priority ?? rule.priority,
      change.rule,
    );
  }

  deleteImmutableRule(rule: ImmutableRuleRow): Promise<boolean> {
    return this.store.deleteImmutableRule(rule.id);
  }
}
