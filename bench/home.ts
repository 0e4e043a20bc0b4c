export async function benchHome() {}
