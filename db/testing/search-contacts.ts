// template-demo
import type postgres from 'postgres';

// Realistic enough for search plans: names drawn from common first/last names, two in three
// emails built from the name (so name and email order are correlated, as in real address books,
// which is what fooled the planner) and one in three opaque; companies from a few brands with a
// number and a suffix; some names and companies missing.
const first =
  'james mary john patricia robert jennifer michael linda william elizabeth david barbara richard susan joseph jessica thomas sarah charles karen christopher nancy daniel lisa matthew betty anthony margaret mark sandra donald ashley steven kimberly paul emily andrew donna joshua michelle kenneth dorothy kevin carol brian amanda george melissa edward deborah ronald stephanie timothy rebecca jason sharon jeffrey laura ryan cynthia jacob kathleen gary amy nicholas shirley eric angela jonathan helen stephen anna larry brenda justin pamela scott nicole brandon emma benjamin samantha samuel katherine gregory christine frank debra alexander rachel raymond catherine patrick carolyn jack janet dennis ruth jerry maria tyler heather aaron diane jose virginia adam julie henry joyce nathan victoria douglas olivia zachary kelly peter christina kyle lauren walter joan ethan evelyn jeremy judith harold megan keith cheryl christian andrea roger hannah noah martha gerald jacqueline carl frances terry gloria sean ann austin teresa arthur kathryn lawrence sara jesse janice dylan jean bryan alice joe madison jordan doris billy abigail bruce julia albert judy willie grace gabriel denise logan amber alan marilyn juan beverly wayne danielle roy theresa ralph sophia randy marie eugene diana vincent brittany russell natalie elijah isabella louis charlotte bobby rose philip alexis johnny kayla'.split(
    ' ',
  );
const last =
  'smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster jimenez'.split(
    ' ',
  );
const brands =
  'acme globex initech umbrella hooli stark wayne wonka cyberdyne soylent tyrell aperture massive vandelay piedpiper gringotts oscorp nakatomi monarch dunder'.split(
    ' ',
  );
const suffixes = 'inc llc gmbh ltd group labs systems partners holdings co'.split(' ');
const domains =
  'gmail.com yahoo.com outlook.com example.com mail.de proton.me icloud.com hey.com'.split(' ');

/**
 * Inserts contacts number `from` to `to` (inclusive) in one statement; the same numbers always
 * give the same rows. Use chunks of ~100k for big tables, then ANALYZE.
 */
export async function insertSearchContacts(sql: postgres.Sql, from: number, to: number) {
  await sql`
    insert into contacts (email, name, company)
    select
      case when i % 3 = 0 then 'u' || md5(i::text) || '@' || d[1 + i % 8]
        else fn || '.' || ln || i || '@' || d[1 + i % 8] end,
      case when i % 17 = 0 then null else initcap(fn) || ' ' || initcap(ln) end,
      case when i % 5 = 0 then null
        else initcap(b[1 + (i * 7) % 20]) || ' ' || ((i * 31) % 997) || ' ' || initcap(s[1 + (i * 13) % 10]) end
    from generate_series(${from}::int, ${to}::int) i,
      (select ${first}::text[] f, ${last}::text[] l, ${brands}::text[] b, ${suffixes}::text[] s, ${domains}::text[] d) k,
      lateral (select f[1 + (hashint4(i) & 2147483647) % ${first.length}] fn,
                      l[1 + (hashint4(i + 7) & 2147483647) % ${last.length}] ln) x
    on conflict (email) do nothing`;
}

/** Searches that stress the plans: dense and sparse prefixes of each field, and a miss. */
export const searchProbes = [
  'j',
  'ja',
  'james s',
  'a',
  'soylent 12',
  'acme',
  'u0',
  'kayla.w',
  'zzq',
] as const;
