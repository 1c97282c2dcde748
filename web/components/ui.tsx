"use client";
import { useId, type ReactNode } from "react";
import { HEALTH_TONE_LABEL, INFINITE_HEALTH, healthTone } from "../lib/math/vault";
import { formatHealth } from "../lib/units";

export function Card({ title, children, actions, className, testId }: { title?: ReactNode; children: ReactNode; actions?: ReactNode; className?: string; testId?: string }) {
  const id = useId();
  return (
    <section className={`card ${className ?? ""}`} aria-labelledby={title ? id : undefined} data-testid={testId}>
      {title || actions ? (
        <header className="card-head">
          {title ? <h2 id={id}>{title}</h2> : null}
          {actions}
        </header>
      ) : null}
      {children}
    </section>
  );
}

/** A labelled figure; `value` undefined renders a loading shimmer of the same size. */
export function Stat({ label, value, hint, testId }: { label: string; value: ReactNode | undefined; hint?: ReactNode; testId?: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId} aria-busy={value === undefined}>
        {value === undefined ? <Skeleton /> : value}
      </dd>
      {hint ? <dd className="stat-hint">{hint}</dd> : null}
    </div>
  );
}

export function Stats({ children }: { children: ReactNode }) {
  return <dl className="stats">{children}</dl>;
}

export function Skeleton({ width = "6em" }: { width?: string }) {
  return <span className="skeleton" style={{ width }} aria-hidden="true" />;
}

export function Loading({ label }: { label: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="note">
      <strong>{title}</strong>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

export function ErrorNote({ children }: { children: ReactNode }) {
  return (
    <p className="error-note" role="alert">
      {children}
    </p>
  );
}

export function HealthBadge({ health, testId }: { health: bigint; testId?: string }) {
  const tone = healthTone(health);
  return (
    <span className={`health health-${tone}`} data-testid={testId} data-tone={tone} data-health={health === INFINITE_HEALTH ? "inf" : health.toString()}>
      <span className="health-value">{formatHealth(health)}</span> <span className="health-label">{HEALTH_TONE_LABEL[tone]}</span>
    </span>
  );
}

export function AmountField({
  label,
  symbol,
  value,
  onChange,
  error,
  hint,
  onMax,
  disabled,
  testId,
}: {
  label: string;
  symbol: string;
  value: string;
  onChange: (v: string) => void;
  error: string | null;
  hint?: ReactNode;
  onMax?: () => void;
  disabled?: boolean;
  testId?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className={`field-row ${error ? "invalid" : ""}`}>
        <input
          id={id}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          placeholder="0.00"
          value={value}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-msg`}
          data-testid={testId}
        />
        <span className="field-symbol">{symbol}</span>
        {onMax ? (
          <button type="button" className="btn btn-small" onClick={onMax} disabled={disabled} aria-label={`Use the maximum for ${label}`}>
            Max
          </button>
        ) : null}
      </div>
      <div id={`${id}-msg`} className={error ? "field-error" : "field-hint"} role={error ? "alert" : undefined} data-testid={testId ? `${testId}-message` : undefined}>
        {error ?? hint ?? " "}
      </div>
    </div>
  );
}

export function Tabs<T extends string>({ label, tabs, value, onChange }: { label: string; tabs: { id: T; label: string }[]; value: T; onChange: (t: T) => void }) {
  return (
    <div className="tabs" role="radiogroup" aria-label={label}>
      {tabs.map((t) => (
        <label key={t.id} className={t.id === value ? "tab active" : "tab"}>
          <input type="radio" name={label} value={t.id} checked={t.id === value} onChange={() => onChange(t.id)} />
          {t.label}
        </label>
      ))}
    </div>
  );
}

/** Label/value rows of a preview; `after` shows what signing would change. */
export function Preview({ rows, testId }: { rows: { label: string; before?: ReactNode; after: ReactNode; testId?: string }[]; testId?: string }) {
  return (
    <table className="preview" data-testid={testId}>
      <caption className="sr-only">Preview before signing</caption>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label}>
            <th scope="row">{r.label}</th>
            <td data-testid={r.testId}>
              {r.before !== undefined ? (
                <>
                  <span className="before">{r.before}</span> <span aria-hidden="true">→</span> <span className="sr-only">becomes</span>{" "}
                </>
              ) : null}
              <span className="after">{r.after}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
