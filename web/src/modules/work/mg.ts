// Work: Malagasy.
import type en from './en';

const mg: typeof en = {
  nav: { pulse: "Fitepon'ny fo", workflows: "Fizotran'asa", tasks: 'Asa', canvas: 'Sampana' },
  palette: { page: { '/': "Fitepon'ny fo", '/workflows': "Fizotran'asa", '/tasks': 'Asa', '/canvas': 'Sampana' } },
  pulse: {
    title: "Fitepon'ny fo", healthCounts: "Fahasalaman'ny fizotran'asa", workflows: "Fizotran'asa", feed: "Hetsika mivantana", blocked: "Asa voasakana", overdue: "Asa tara",
    workload: "Enta-mavesatry ny mpikambana tsirairay", open: "Misokatra", overdueShort: "Tara", blockedShort: "Voasakana", load: "Enta-mavesatra",
    noActivity: "Mbola tsy misy hetsika.", noWorkflows: "Mbola tsy misy fizotran'asa.", noBlocked: "Tsy misy voasakana.", noOverdue: "Tsy misy tara.",
    seeAll: "Jereo daholo", department: "Sampana: {{name}}", clearDepartment: "Asehoy ny sampana rehetra", unassigned: "Asa misokatra {{n}} no tsy misy tompon'andraikitra.",
    "pendingApprovals": "Fankatoavana miandry: {{n}}",
  },
  tasks: {
    blockedTitle: "Asa voasakana", overdueTitle: "Asa tara", overdueWeekTitle: "Asa tara amin'ity herinandro ity", filters: "Sivana ny asa",
    blockedTab: "Voasakana", overdueTab: "Tara", overdueWeekTab: "Tara amin'ity herinandro ity", weekRange: "Daty farany eo anelanelan'ny {{start}} sy {{end}}",
  },
  workflows: {
    title: "Fizotran'asa", new: "Fizotran'asa vaovao", newTitle: "Fizotran'asa vaovao", filters: "Sivana ny fizotran'asa", active: "Mavitrika", archived: "Voaarisiva",
    sortBy: "Alahatra araka ny", sortUpdated: "Novaina vao haingana", sortName: "Anarana", sortStatus: "Sata", sortOwner: "Tompony",
    none: "Tsy misy fizotran'asa mifanaraka amin'ireo sivana ireo.", progress: "{{done}}/{{total}} vita", progressLabel: "Fandrosoana", exportCsv: "Avoahy ho CSV",
    templates: "Modely", preview: "Ireo asa ao amin'ity modely ity", taskCount: "asa {{n}}", dayN: "andro {{n}}", andMore: "… sy {{n}} hafa",
    untitled: "Fizotran'asa tsy misy lohateny", blank: "Fizotran'asa foana (mbola tsy misy asa).", fromTemplate: "Avy amin'ny modely “{{name}}”.",
    startBlank: "Manomboka amin'ny foana", create: "Mamorona ny fizotran'asa", templateDepartment: "Araka ny modely ({{name}})",
  },
  workflow: {
    updated: "novaina {{when}}", template: "modely {{id}} {{version}}", reasons: "Antony mahatonga izao fahasalamana izao", clone: "Adikao", archive: "Ataovy arisiva",
    restore: "Avereno", auditLog: "Diarin'ny fanovana", views: "Fomba fijery", view: { list: "Lisitra", board: "Tabilao", history: "Tantara" },
    copyName: "{{name}} (dika)", noTasks: "Mbola tsy misy asa.", newTask: "Anaran'ny asa vaovao", addTask: "Ampio ny asa", board: "Tabilao araka ny sata",
    tasksCaption: "Ireo asa araka ny filaharany", order: "Filaharana", moveUp: "Akarina ny “{{name}}”", moveDown: "Ampidino ny “{{name}}”",
    statusOf: "Satan'ny “{{name}}”", assigneeOf: "Tompon'andraikitry ny “{{name}}”", dueOf: "Daty faran'ny “{{name}}”", priorityOf: "Laharam-pahamehan'ny “{{name}}”",
    archiveTitle: "Ataovy arisiva ny “{{name}}”", archiveBody: "Mila antony ny fanaovana arisiva. Azonao averina any aoriana ilay fizotran'asa.",
  },
  canvas: {
    title: "Sampana", hint: "Ny sampana tsirairay sy ny fahasalamany. Fidio ny iray hijerena ny fitepon'ny fony.",
    workflows_one: "fizotran'asa {{n}}", workflows_other: "fizotran'asa {{n}}", handoffs_one: "fifampitana {{n}}", handoffs_other: "fifampitana {{n}}", none: "Tsy mbola misy fizotran'asa", arrows: "Ny zana-tsipika dia fifampitana: fizotran'asa natomboky ny sampana iray avy amin'ny an'ny sampana hafa.", list: "Ny sampana rehetra", handoffsTitle: "Fifampitana",
    nodeHelp: "Tsindrio Enter hisafidianana; ampiasao ny lisitra etsy ambany hanokafana sampana.",
  },
};

export default mg;
