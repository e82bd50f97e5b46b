// Prints, as JSON, the UTC instants of every occurrence of every event in an iCalendar file,
// as ical.js (the parser Thunderbird uses) computes them. Usage: node icaljs_occurrences.mjs FILE
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const data = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(data));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const utc = (time) => (time ? time.toJSDate().toISOString() : null);
const masters = new Map();
const exceptions = [];
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  if (vevent.hasProperty("recurrence-id")) exceptions.push(vevent);
  else masters.set(vevent.getFirstPropertyValue("uid"), vevent);
}
const occurrences = [];
for (const [uid, vevent] of masters) {
  const event = new ICAL.Event(vevent);
  for (const exception of exceptions) {
    if (exception.getFirstPropertyValue("uid") === uid) event.relateException(exception);
  }
  if (!event.isRecurring()) {
    occurrences.push({
      uid, start: utc(event.startDate), end: utc(event.endDate),
      status: vevent.getFirstPropertyValue("status"),
      sequence: vevent.getFirstPropertyValue("sequence"),
    });
    continue;
  }
  const iterator = event.iterator();
  for (let next = iterator.next(), n = 0; next && n < 1000; next = iterator.next(), n++) {
    const details = event.getOccurrenceDetails(next);
    occurrences.push({
      uid, recurrence: utc(details.recurrenceId), start: utc(details.startDate),
      end: utc(details.endDate),
      status: details.item.component.getFirstPropertyValue("status"),
      sequence: details.item.component.getFirstPropertyValue("sequence"),
    });
  }
}
const overrides = exceptions.map((vevent) => ({
  uid: vevent.getFirstPropertyValue("uid"),
  recurrence: utc(vevent.getFirstPropertyValue("recurrence-id")),
  start: utc(vevent.getFirstPropertyValue("dtstart")),
  status: vevent.getFirstPropertyValue("status"),
  sequence: vevent.getFirstPropertyValue("sequence"),
}));
process.stdout.write(JSON.stringify({ occurrences, overrides }));
