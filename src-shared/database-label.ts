/**
 * A short name for where the runs are, for the app's header: a database file's name, or a PostgreSQL database's
 * name and server (`runboard on db.lab.example:5432`). The location comes from the host with its password masked.
 */
export function databaseLabel(location: string): string {
  const server = /^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?([^/?#]*)(?:\/([^?#]*))?/i.exec(location);
  if (server) {
    const [, host = '', database = ''] = server;
    const name = decodeURIComponent(database) || 'postgres';
    return host ? `${name} on ${decodeURIComponent(host)}` : name;
  }
  return location.split(/[\\/]/).pop() || location;
}
