import { useEffect, useState } from "react";

export interface ComboItem {
  key: string;
  label: string;
  detail?: string;
}

/** A text field with a list to pick from (WAI-ARIA combobox): ↓/↑ move through the list, Enter
 * picks, Esc closes the list (a second Esc goes on to the form). Used by the options that name
 * a member, a role or a channel, and by autocomplete options. */
export function Combobox(props: {
  id: string;
  text: string;
  items: ComboItem[];
  onText: (text: string) => void;
  onPick: (item: ComboItem) => void;
  onFocus?: () => void;
  listLabel: string;
  describedBy?: string;
  invalid?: boolean;
  required?: boolean;
  placeholder?: string;
  inputMode?: "text" | "numeric" | "decimal";
  busy?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = `${props.id}-list`;
  const shown = open && props.items.length > 0;
  useEffect(() => setActive(0), [props.items]);
  const pick = (item: ComboItem) => {
    props.onPick(item);
    setOpen(false);
  };
  return (
    <div className="combobox">
      <input
        id={props.id}
        value={props.text}
        role="combobox"
        autoComplete="off"
        inputMode={props.inputMode}
        aria-expanded={shown}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={shown ? `${listId}-${active}` : undefined}
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid || undefined}
        aria-required={props.required || undefined}
        aria-busy={props.busy || undefined}
        placeholder={props.placeholder}
        onChange={(e) => {
          props.onText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => {
          setOpen(true);
          props.onFocus?.();
        }}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            if (!shown) return setOpen(true);
            const step = e.key === "ArrowDown" ? 1 : -1;
            setActive((active + step + props.items.length) % props.items.length);
          } else if (e.key === "Enter" && shown) {
            e.preventDefault();
            pick(props.items[active]);
          } else if (e.key === "Escape" && shown) {
            e.preventDefault();
            e.stopPropagation();
            setOpen(false);
          }
        }}
      />
      {shown && (
        <ul className="combobox-list" role="listbox" id={listId} aria-label={props.listLabel}>
          {props.items.map((item, i) => (
            <li
              key={item.key}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? "selected" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(item);
              }}
            >
              <span className="suggestion-label">{item.label}</span>
              {item.detail && <span className="suggestion-detail">{item.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
