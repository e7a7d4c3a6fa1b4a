/** One choice of a `<select>`. */
export interface SelectOption {
  value: string;
  label: string;
  disabled?: boolean;
  /** Why an option is disabled, or more about it. */
  title?: string;
}
