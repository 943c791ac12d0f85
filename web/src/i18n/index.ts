import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { ro } from "./ro";

export const LANGUAGES = ["ro", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = "punte.language";

/** The language chosen last on this browser, Romanian otherwise. */
export function storedLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  return stored === "en" ? "en" : "ro";
}

/** Switch the UI's language and remember it for the next visit. */
export async function changeLanguage(language: Language): Promise<void> {
  localStorage.setItem(STORAGE_KEY, language);
  await i18next.changeLanguage(language);
}

i18next.on("languageChanged", (language) => {
  document.documentElement.lang = language;
});

void i18next.use(initReactI18next).init({
  resources: { ro: { translation: ro }, en: { translation: en } },
  lng: storedLanguage(),
  fallbackLng: "ro",
  interpolation: { escapeValue: false },
  initAsync: false,
});

export default i18next;
