// Ledger: Malagasy.
import type en from './en';

const mg: typeof en = {
  nav: { audit: "Diarin'ny fanovana" },
  palette: { page: { '/audit': "Diarin'ny fanovana" } },
  audit: {
    title: "Diarin'ny fanovana", logTab: "Diary", replayTab: "Famerenana", filters: "Sivana ny diary", searchWhys: "Hikaroka ao amin'ny antony", since: "Nanomboka ny", until: "Hatramin'ny",
    more: "Sivana hafa", apply: "Ampiharo", clear: "Fafao ny sivana", results: "Fanovana", detail: "Antsipirian'ny fanovana", none: "Tsy misy fanovana mifanaraka amin'ireo sivana ireo.",
    noHits: "Tsy misy antony mifanaraka amin'io fikarohana io.", pick: "Fidio ny fanovana iray hijerena azy manontolo.", forWorkflow: "Fizotran'asa: {{name}}",
    exportCsv: "Avoahy ho CSV", exportJsonl: "Avoahy ho JSONL", diffViewer: "Teo aloha sy taorian'izay", field: "Saha", before: "Teo aloha", after: "Taorian'izay",
    changed: "niova", noFields: "Tsy misy saha ity fanovana ity.", replayEntity: "Avereno jerena ity zavatra ity", whys: "Antony",
    noWhys: "Mbola tsy nisy nilaza ny antony.", addWhy: "Ampio antony", addWhyButton: "Ampio", causation: "Izay nahatonga azy",
    causedBy: "Nataon'i {{actor}} ({{type}})", correlation: "Anisan'ny asa {{id}}",
  },
  replay: {
    stateTable: "Ny toetrany tamin'izay sy ankehitriny", pick: "Fidio izay haverina jerena", workflow: "Fizotran'asa", task: "Asa (tsy voatery)", other: "Zavatra hafa (karazana sy famantarana)", show: "Asehoy",
    choose: "Fidio fizotran'asa na asa iray hijerena ny toetrany taloha.", noHistory: "Tsy misy tantara voarakitra ho an'ity zavatra ity.",
    title: "Famerenana ny “{{name}}”", moment: "Fotoana", asOf: "Toy ny tamin'ny {{when}} (fanovana {{n}} amin'ny {{total}})",
    then: "Tamin'izay", now: "Ankehitriny", differs: "tsy mitovy amin'ny ankehitriny", absent: "Mbola tsy nisy io zavatra io tamin'izany fotoana izany.",
  },
};

export default mg;
